from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "cunzhan.dashboards"
    verbose_name = "看板"

    def ready(self) -> None:
        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.dashboards.models import StationMonth

        register(
            StationMonth,
            ScopePaths(region="station__region__code", operating_unit="station__operating_unit", station="station"),
        )
