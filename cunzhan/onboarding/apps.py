from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "cunzhan.onboarding"
    verbose_name = "历史数据导入"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.onboarding import models as m

        # a county's imports: the county office of the county (and the administrator) import and list them
        register(m.HistoryImport, ScopePaths(region="county__code", county_level=True))
        auditlog.register(m.HistoryImport)
