"""What the report commands share: they act with the system's full scope (an operator at the
console), never as a particular account."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.management.base import CommandError

from cunzhan.core import dates
from cunzhan.core.roles import Role
from cunzhan.core.scoping import Scope
from cunzhan.regions.models import Region


def system_user() -> SimpleNamespace:
    return SimpleNamespace(scope=Scope(role=Role.ADMIN, region_code=None), operating_unit_id=None, pk=None)


def county_arg(code: str) -> Region:
    county = Region.objects.filter(code=code).first()
    if county is None or len(code) != 6:
        raise CommandError(f"未找到县级区划 {code}")
    return county


def month_arg(text: str | None) -> tuple[int, int]:
    if not text:
        return dates.previous_month()
    try:
        return dates.parse_month(text)
    except ValueError:
        raise CommandError("月份格式应为 YYYY-MM") from None
