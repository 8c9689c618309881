from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cunzhan.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from auditlog.models import LogEntry

        from cunzhan.core import checks  # noqa: F401  (registers system checks)
        from cunzhan.core.scoping import ScopePaths, register

        register(
            LogEntry,
            ScopePaths(region="actor__region__code", operating_unit="actor__operating_unit", station="actor__station"),
        )
