from django.urls import path

from cunzhan.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.region_detail, name="detail_root"),
    path("<str:code>/", views.region_detail, name="detail"),
]
