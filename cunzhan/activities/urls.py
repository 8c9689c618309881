from django.urls import path

from cunzhan.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.training_list, name="trainings"),
    path("trainings/new/", views.training_create, name="training_new"),
    path("trainings/template.xlsx", views.attendance_template, name="attendance_template"),
    path("trainings/<int:pk>/", views.training_detail, name="training"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<int:pk>/attendance/", views.training_attendance, name="training_attendance"),
    path("trainings/<int:pk>/import/", views.training_import, name="training_import"),
    path("people/", views.training_people, name="people"),
    path("marketing/", views.activity_list, name="activities"),
    path("marketing/new/", views.activity_create, name="activity_new"),
    path("marketing/<int:pk>/", views.activity_detail, name="activity"),
    path("marketing/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("marketing/<int:pk>/<str:code>/participation/", views.activity_participation, name="participation"),
    path("marketing/<int:pk>/<str:code>/report/", views.activity_report, name="activity_report"),
    path("guidance/", views.guidance_list, name="guidance"),
    path("guidance/new/", views.guidance_create, name="guidance_new"),
]
