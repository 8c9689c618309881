from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "cunzhan.stations"
    verbose_name = "服务站"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.stations import models as m

        register(m.Station, ScopePaths(region="region__code", operating_unit="operating_unit", station="pk"))
        register(m.OperatingUnit, ScopePaths(region="county__code", operating_unit="pk"))
        # a county's own parameters; township and station roles fall back to their region and see none
        register(m.CountySettings, ScopePaths(region="county__code"))
        through_station = ScopePaths(
            region="station__region__code", operating_unit="station__operating_unit", station="station"
        )
        for model in (
            m.ResponsiblePerson,
            m.NormExemption,
            m.StationEvent,
            m.PublicAsset,
            m.FaultReport,
            m.AssetReturn,
        ):
            register(model, through_station)
        for model in (
            m.Station,
            m.OperatingUnit,
            m.CountySettings,
            m.ResponsiblePerson,
            m.NormExemption,
            m.PublicAsset,
            m.FaultReport,
            m.AssetReturn,
        ):
            auditlog.register(model)
