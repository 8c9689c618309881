from django.urls import path

from cunzhan.stations import public_views, unit_views, views

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="list"),
    path("new/", views.station_create, name="create"),
    path("import/", views.station_import, name="import"),
    path("import/template.xlsx", views.station_import_template, name="import_template"),
    path("import/assets/", views.asset_import_page, name="asset_import"),
    path("import/assets/template.xlsx", views.asset_import_template, name="asset_import_template"),
    path("export/register.xlsx", views.station_export_register, name="export_register"),
    path("export/certified.<str:fmt>", views.station_export_certified, name="export_certified"),
    path("zombies/", views.zombie_list, name="zombies"),
    path("settings/", views.county_settings, name="settings"),
    path("<str:code>/", views.station_detail, name="detail"),
    path("<str:code>/edit/", views.station_edit, name="edit"),
    path("<str:code>/transition/", views.station_transition, name="transition"),
    path("<str:code>/exemptions/", views.exemption_create, name="exemption_create"),
    path("<str:code>/exemptions/<int:pk>/withdraw/", views.exemption_withdraw, name="exemption_withdraw"),
    path("<str:code>/people/", views.person_create, name="person_create"),
    path("<str:code>/people/<int:pk>/", views.person_edit, name="person_edit"),
    path("<str:code>/people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("<str:code>/assets/", views.asset_create, name="asset_create"),
    path("<str:code>/assets/<int:pk>/faults/", views.fault_create, name="fault_create"),
    path("<str:code>/faults/<int:pk>/repair/", views.fault_repair, name="fault_repair"),
    path("<str:code>/returns/<int:pk>/", views.asset_return, name="asset_return"),
]

# mounted at /directory/ under the namespace "directory", outside the login
public_urlpatterns = [
    path("", public_views.directory, name="list"),
    path("publicity/", public_views.publicity, name="publicity"),
    path("<str:code>/", public_views.directory_detail, name="detail"),
]

# mounted at /operating-units/ under the namespace "units"
unit_urlpatterns = [
    path("", unit_views.unit_list, name="list"),
    path("new/", unit_views.unit_create, name="create"),
    path("<int:pk>/", unit_views.unit_detail, name="detail"),
    path("<int:pk>/edit/", unit_views.unit_edit, name="edit"),
    path("<int:pk>/deactivate/", unit_views.unit_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", unit_views.unit_reactivate, name="reactivate"),
]
