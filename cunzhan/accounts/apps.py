from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cunzhan.accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.accounts.models import ApiToken, User
        from cunzhan.core.scoping import ScopePaths, register

        register(User, ScopePaths(region="region__code", operating_unit="operating_unit", station="station"))
        register(
            ApiToken,
            ScopePaths(region="user__region__code", operating_unit="user__operating_unit", station="user__station"),
        )
        auditlog.register(User, mask_fields=["password"], exclude_fields=["last_login"])
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
