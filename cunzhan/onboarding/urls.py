from django.urls import path

from cunzhan.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/template.xlsx", views.template, name="template"),
]
