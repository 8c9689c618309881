from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "cunzhan.regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.regions.models import Region

        register(Region, ScopePaths(region="code"))
