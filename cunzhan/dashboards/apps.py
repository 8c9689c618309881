from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "cunzhan.dashboards"
    verbose_name = "看板"
