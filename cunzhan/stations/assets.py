"""Every write to a station's public assets (Jia 第四条一) and their fault reports (报修): one function per
business action, one transaction each, keyword-only, attributed in the audit log.

A fault is reported and repaired *now*: the system stamps both times. A county bringing its history
(历史导入, cunzhan.onboarding) gives the real past times instead, which only the county office may
(:meth:`cunzhan.core.scoping.Scope.require_to_record`); such a report was transcribed, not made by an
account, so it names no reporter. (Moved out of :mod:`cunzhan.stations.services`, which still offers them.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.audit import acting
from cunzhan.stations.models import FIXED_ASSET_KINDS, AssetCondition, AssetKind, FaultReport, PublicAsset, Station

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User

# a clock a few minutes fast on the recording device is not the future
CLOCK_SLACK = timedelta(minutes=5)


@transaction.atomic
def asset_add(
    *,
    acting_user: User,
    station: Station,
    kind: str,
    name: str = "",
    quantity: int = 1,
    serial_no: str = "",
    movable: bool | None = None,
    acquired_on: date | None = None,
    note: str = "",
) -> PublicAsset:
    acting_user.scope.require("asset.manage")
    acting_user.scope.require_station(station)
    if kind not in AssetKind.values:
        raise ValidationError({"kind": _("请选择资产类别")})
    asset = PublicAsset(
        station=station,
        kind=kind,
        name=(name or "").strip(),
        quantity=quantity,
        serial_no=(serial_no or "").strip(),
        movable=kind not in FIXED_ASSET_KINDS if movable is None else movable,
        acquired_on=acquired_on,
        note=(note or "").strip(),
    )
    try:
        asset.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    with acting(acting_user):
        asset.save()
    return asset


@transaction.atomic
def asset_set_condition(*, acting_user: User, asset: PublicAsset, condition: str) -> PublicAsset:
    acting_user.scope.require("asset.manage")
    acting_user.scope.require_station(asset.station)
    if condition not in AssetCondition.values:
        raise ValidationError({"condition": _("请选择资产状况")})
    asset.condition = condition
    with acting(acting_user):
        asset.save()
    return asset


def _check_moment(moment: datetime | None, field: str, label: str) -> None:
    if moment is None:
        return
    if timezone.is_naive(moment):
        raise ValidationError({field: _("%(label)s须带时区。") % {"label": label}})
    if moment > timezone.now() + CLOCK_SLACK:
        raise ValidationError({field: _("%(label)s不能晚于现在") % {"label": label}})


@transaction.atomic
def fault_report(
    *,
    acting_user: User,
    asset: PublicAsset,
    description: str,
    stops_operation: bool = False,
    reported_at: datetime | None = None,
) -> FaultReport:
    """报修: the asset is marked faulty until the repair is recorded. ``reported_at``: the real time of a
    past report, for the county office bringing its history only (then no account reported it)."""
    acting_user.scope.require_to_record("fault.report", given=reported_at, what=_("报修时间"))
    acting_user.scope.require_station(asset.station)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请描述故障情况")})
    if asset.condition in (AssetCondition.SCRAPPED, AssetCondition.RETURNED):
        raise ValidationError(_("该资产已%(condition)s，不能报修。") % {"condition": asset.get_condition_display()})
    if asset.faults.filter(repaired_at__isnull=True).exists():
        raise ValidationError(_("该资产已有未修复的报修记录。"))
    _check_moment(reported_at, "reported_at", _("报修时间"))
    with acting(acting_user):
        fault = FaultReport.objects.create(
            station=asset.station,
            asset=asset,
            description=description,
            stops_operation=stops_operation,
            reported_at=reported_at or timezone.now(),
            reported_by=acting_user if reported_at is None else None,
        )
        asset.condition = AssetCondition.FAULTY
        asset.save()
    return fault


@transaction.atomic
def fault_repair(
    *, acting_user: User, fault: FaultReport, repair_note: str = "", repaired_at: datetime | None = None
) -> FaultReport:
    """The repair, recorded now; ``repaired_at``: the real time of a past repair, for the county office
    bringing its history only. A time before the report, or in the future, is refused to anyone."""
    if repaired_at is None:
        acting_user.scope.require("fault.repair")
    acting_user.scope.require_station(fault.station)
    if fault.repaired_at is not None:
        raise ValidationError(_("该报修已登记修复。"))
    _check_moment(repaired_at, "repaired_at", _("修复时间"))
    now = timezone.now()
    if repaired_at is not None and repaired_at < fault.reported_at:
        raise ValidationError({"repaired_at": _("修复时间须在报修时间之后、不晚于现在")})
    acting_user.scope.require_to_record("fault.repair", given=repaired_at, what=_("修复时间"))
    fault.repaired_at = repaired_at or now
    fault.repaired_by = acting_user
    fault.repair_note = (repair_note or "").strip()
    with acting(acting_user):
        fault.save()
        asset = fault.asset
        if asset.condition == AssetCondition.FAULTY:
            asset.condition = AssetCondition.GOOD
            asset.save()
    return fault
