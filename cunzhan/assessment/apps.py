from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "cunzhan.assessment"
    verbose_name = "考核"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.assessment.models import (
            Assessment,
            AssessmentResult,
            OrderFlag,
            PublicationSettings,
            Rectification,
            SchemeVersion,
            SubsidyRule,
        )
        from cunzhan.core.scoping import ScopePaths, register

        county = ScopePaths(region="county__code", county_level=True)
        register(SchemeVersion, county)
        register(Assessment, county)
        register(SubsidyRule, county)
        register(PublicationSettings, county)
        station = ScopePaths(
            region="station__region__code", operating_unit="station__operating_unit", station="station"
        )
        register(AssessmentResult, station)
        register(Rectification, station)
        register(OrderFlag, station)
        for model in (SchemeVersion, Assessment, Rectification, SubsidyRule, PublicationSettings, OrderFlag):
            auditlog.register(model)
        from cunzhan.assessment import jobs  # noqa: F401  registers the assessment' kinds of long work
