from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "cunzhan.stations"
    verbose_name = "服务站"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.stations.models import OperatingUnit, Station

        register(Station, ScopePaths(region="region__code", operating_unit="operating_unit", station="pk"))
        register(OperatingUnit, ScopePaths(region="county__code", operating_unit="pk"))
        auditlog.register(Station)
        auditlog.register(OperatingUnit)
