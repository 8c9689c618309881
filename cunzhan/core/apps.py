from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cunzhan.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from django.db.models.signals import post_migrate

        from cunzhan.core.scoping import ScopePaths, register

        register(
            LogEntry,
            ScopePaths(region="actor__region__code", operating_unit="actor__operating_unit", station="actor__station"),
        )
        post_migrate.connect(_grant_runtime, sender=self)


def _grant_runtime(sender, using="default", verbosity=1, **kwargs) -> None:
    """After every migrate, when ``DATABASE_RUNTIME_ROLE`` names the app's role: its grants on the tables
    as the migrations left them (``cunzhan grant-runtime``). Nothing on SQLite."""
    from django.conf import settings

    if not settings.DATABASE_RUNTIME_ROLE:
        return
    from cunzhan.core.privileges import grant_runtime

    granted = grant_runtime(settings.DATABASE_RUNTIME_ROLE, using=using)
    if granted and verbosity:
        print(granted.describe())  # migrate's own lines go to stdout as well
