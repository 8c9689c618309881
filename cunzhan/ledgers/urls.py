from django.urls import path

from cunzhan.ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("", views.index, name="index"),
    path("parcel/backlog/", views.parcel_backlog, name="backlog"),
    path("imports/<str:token>/", views.import_progress, name="import_progress"),
    path("<str:kind>/", views.entry_list, name="list"),
    path("<str:kind>/new/", views.entry_create, name="new"),
    path("<str:kind>/import/", views.import_upload, name="import"),
    path("<str:kind>/export/", views.export, name="export"),
    path("<str:kind>/template.<str:fmt>", views.template_download, name="template"),
    path("<str:kind>/<int:pk>/edit/", views.entry_edit, name="edit"),
    path("<str:kind>/<int:pk>/delete/", views.entry_delete, name="delete"),
]
