from django.urls import path

from cunzhan.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/open/", views.notice_open, name="open"),
    path("read-all/", views.notice_read_all, name="read_all"),
    path("chase/", views.chase, name="chase"),
    path("settings/", views.reminder_settings, name="settings"),
    path("deliveries/", views.deliveries, name="deliveries"),
]
