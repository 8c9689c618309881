from django.urls import path

from cunzhan.stations import views

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="list"),
    path("<str:code>/", views.station_detail, name="detail"),
]
