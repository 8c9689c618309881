from __future__ import annotations

from django.core.management.base import CommandError

from cunzhan.accounts.models import User
from cunzhan.core.roles import Role


def resolve_actor(username: str | None) -> User:
    """The account a command acts as: the one named, or the first active system administrator."""
    users = User.objects.filter(is_active=True)
    actor = (
        users.filter(username=username).first() if username else users.filter(role=Role.ADMIN).order_by("pk").first()
    )
    if actor is None:
        raise CommandError(f"找不到账号：{username}" if username else "没有可用的系统管理员账号，请用 --user 指定")
    return actor
