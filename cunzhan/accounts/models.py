from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhan.core.roles import Role

if TYPE_CHECKING:
    from cunzhan.core.scoping import Scope


class AccountManager(UserManager):
    """Django's manager, but for the superuser it makes: ``cunzhan createsuperuser`` is how the first
    administrator of an installation comes to exist, and an account without a role has no scope (every
    page would fail for it). It is the administrator role, and changes its password at first login as
    every account given a password by someone else does."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """An account, bound to a region and, where the role needs one, an operating unit or a station."""

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), null=True, blank=True, on_delete=models.PROTECT
    )
    operating_unit = models.ForeignKey(
        "stations.OperatingUnit", verbose_name=_("运营单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("服务站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="keepers",
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    # optimistic concurrency: each edit of the name or phone moves it on, and an edit made from an older
    # version is refused (services.user_update)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    objects = AccountManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope(self) -> Scope:
        from cunzhan.core.scoping import scope_of

        return scope_of(self)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for API clients. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=64)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
