from __future__ import annotations

from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_accounts_check(app_configs, **kwargs):
    """Demo accounts have passwords printed in the README: they must not be live in production."""
    from django.db import DatabaseError

    from cunzhan.accounts.models import User

    try:
        count = User.objects.filter(is_demo=True, is_active=True).count()
    except DatabaseError:
        return []
    if count:
        return [
            Warning(
                f"{count} 个演示账号处于启用状态，其密码是公开的。",
                hint="生产环境请运行 `cunzhan demo --disable-accounts` 或删除演示数据。",
                id="cunzhan.W001",
            )
        ]
    return []
