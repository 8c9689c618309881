from django.urls import path

from cunzhan.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_create, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/photos/", views.inspection_photo_upload, name="inspection_photo_upload"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_create, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/photo/", views.complaint_photo, name="complaint_photo"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_create, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/photo/", views.event_photo, name="event_photo"),
    path("stations/<str:code>/", views.station_evidence, name="station"),
]
