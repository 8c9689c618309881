from django.urls import path

from cunzhan.assessment import integrity_views, publication_views, scheme_views, views

app_name = "assessment"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/export.xlsx", views.assessment_export, name="export"),
    path("<int:pk>/publish/", publication_views.publish_confirm, name="publish"),
    path("settings/", publication_views.publication_settings, name="publication_settings"),
    path("<int:pk>/<slug:action>/", views.assessment_action, name="action"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("results/<int:pk>/sheet.pdf", publication_views.result_pdf, name="result_pdf"),
    path("results/<int:pk>/rectify/", views.result_rectify, name="rectify"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/close/", views.rectification_close, name="rectification_close"),
    path("schemes/", views.scheme_list, name="schemes"),
    path("subsidies/", views.subsidies, name="subsidies"),
    path("schemes/<int:pk>/", scheme_views.scheme_detail, name="scheme"),
    path("schemes/edit/", scheme_views.scheme_edit, name="scheme_edit"),
    path("schemes/diff/", scheme_views.scheme_diff_view, name="scheme_diff"),
    path("integrity/", integrity_views.order_flag_list, name="order_flags"),
    path("integrity/decisions/<int:pk>/", integrity_views.order_flag_by_id, name="order_flag_by_id"),
    path("integrity/<str:code>/<int:year>/<str:half>/<str:key>/", integrity_views.order_flag_detail, name="order_flag"),
]

public_urlpatterns = [
    path("", views.public_index, name="public_index"),
    path("<str:county>/<int:year>/<str:period>/", views.public_ranking, name="public_ranking"),
    path(
        "<str:county>/<int:year>/<str:period>/notice.pdf", publication_views.public_notice_pdf, name="public_notice_pdf"
    ),
    path("<str:county>/<int:year>/<str:period>/<str:code>/", publication_views.public_result, name="public_result"),
]
