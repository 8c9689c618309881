from django.urls import path

from cunzhan.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("charts/<slug:name>.<str:fmt>", views.chart, name="chart"),
]
