from django.urls import path

from cunzhan.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("board/", views.board, name="board"),
    path("consolidated.xlsx", views.consolidated_export, name="consolidated_export"),
    path("consolidated.pdf", views.consolidated_pdf, name="consolidated_pdf"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_export, name="statistics_export"),
    path("settings/", views.report_settings, name="settings"),
    path("adhoc/", views.adhoc_list, name="adhoc_list"),
    path("adhoc/new/", views.adhoc_create, name="adhoc_create"),
    path("adhoc/<int:pk>/", views.adhoc_detail, name="adhoc_detail"),
    path("adhoc/report/<int:pk>/", views.adhoc_report, name="adhoc_report"),
    path("upward/", views.upward, name="upward"),
    path("upward/<int:pk>/send/", views.upward_send, name="upward_send"),
    path("upward/<int:pk>/payload.<str:fmt>", views.upward_download, name="upward_download"),
    path("<str:code>/", views.station_reports, name="station"),
    path("<str:code>/<str:kind>/<str:slug>/", views.report_detail, name="detail"),
]
