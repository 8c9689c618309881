from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "cunzhan.notices"
    verbose_name = "通知提醒"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.notices import models as m

        # a notice is its recipient's; the county office reads its county's delivery log
        register(m.Notice, ScopePaths(region="county_code", county_level=True))
        register(m.Delivery, ScopePaths(region="notice__county_code", county_level=True))
        register(m.ReminderSettings, ScopePaths(region="county__code", county_level=True))
        auditlog.register(m.ReminderSettings)
