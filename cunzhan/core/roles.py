"""Roles and what each may do. The data here is the single source for permissions;
which rows a role sees is decided by :mod:`cunzhan.core.scoping`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COUNTY_OFFICE = "county_office", _("县电商办")
    OPERATOR = "operator", _("运营单位")
    SUPERVISOR = "supervisor", _("镇村督查员")
    KEEPER = "keeper", _("站长")
    VIEWER = "viewer", _("市/省主管部门")


ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.OPERATOR, Role.SUPERVISOR, Role.KEEPER})

# permission -> roles holding it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "region.view": ALL,
    "station.view": ALL,
    "user.view": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "user.manage": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    # every acting role finds its own actions in the operation log; the office sees its county's
    "audit.view": STAFF,
    "loginlog.view": frozenset({Role.ADMIN, Role.COUNTY_OFFICE}),
    "token.manage": ALL,
}

# roles an account manager of each role may create
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: ALL,
    Role.COUNTY_OFFICE: frozenset({Role.COUNTY_OFFICE, Role.OPERATOR, Role.SUPERVISOR, Role.KEEPER}),
}


def role_has(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role is not None and Role(role) in PERMISSIONS[permission]
