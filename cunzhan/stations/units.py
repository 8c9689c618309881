"""The register of operating units (运营单位 / 承办企业): every write, one transaction each, keyword-only,
checked against the one scoping mechanism and attributed in the operation log. The reads are in
:mod:`cunzhan.stations.selectors`.

The county office (and the administrator) creates its county's units, edits them, assigns the county's
stations to them and deactivates them. Several units may serve one county: each unit's operator
accounts see only the stations assigned to it (the scoping's ``operating_unit`` path).

Deactivation (停用) ends the agreement and keeps everything the unit did:

* it is refused while the unit still serves a standing station (not 撤销 or 关停): those are first
  assigned to another unit, so that no station is left without one by accident;
* revoked and closed stations stay with the unit that ran them, and every station keeps its events,
  ledgers and reports, whichever unit serves it now;
* the unit's operator accounts are not changed: they still sign in and read what the scoping shows
  them (their unit, marked 已停用, and the history of its ended stations), but the unit takes no new
  station — registration, import and assignment refuse it. Disabling the people's accounts is the
  account manager's decision (账号管理), not a side effect of ending a contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as NumberInvalid

from cunzhan.core.audit import acting
from cunzhan.core.concurrency import EditConflict, conflict_parts
from cunzhan.core.dates import local_now
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import ENDED_STATUSES, OperatingUnit, Station

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User

# the record's own fields a create or an edit may set (the stations it serves are given apart)
UNIT_FIELDS = ("name", "credit_code", "contact_person", "contact_phone", "agreement_start", "agreement_end")
# a mobile number, or a fixed line with its area code (0912-1234567, extension allowed)
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


# -- checks shared with the station registry and the importers ---------------------------------


def credit_code_problem(code: str) -> str | None:
    """Why a unified social credit code (统一社会信用代码, GB 32100) is unacceptable, or None."""
    try:
        uscc.validate(code)
    except InvalidLength:
        return _("统一社会信用代码应为 18 位")
    except InvalidChecksum:
        return _("统一社会信用代码的校验位不正确，请核对营业执照")
    except NumberInvalid:
        return _("统一社会信用代码的格式不正确：前 8 位为数字，其余为数字或大写字母（不含 I、O、Z、S、V）")
    return None


def unit_problem(unit: OperatingUnit | None, county_code: str, acting_user: User) -> str | None:
    """Why ``unit`` cannot take a station of the county for this user, or None."""
    if acting_user.scope.operating_unit_id and (unit is None or unit.pk != acting_user.scope.operating_unit_id):
        return _("运营单位账号只能登记本单位的服务站")
    if unit is not None and unit.county_id != county_code:
        return _("运营单位“%(unit)s”不属于该县") % {"unit": unit.name}
    if unit is not None and not unit.is_active:
        return _("运营单位“%(unit)s”已停用，不能再承接服务站") % {"unit": unit.name}
    return None


# -- the register --------------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *, acting_user: User, county: Region, stations: Iterable[Station] | None = None, **fields: Any
) -> OperatingUnit:
    """A new operating unit of ``county``, serving ``stations`` (of the county) from now on."""
    acting_user.scope.require("operating_unit.manage")
    if county.level != Level.COUNTY:
        raise ValidationError({"county": _("运营单位按县登记，请选择县级区划。")})
    acting_user.scope.require_region(county.code)
    _check_fields(fields)
    unit = OperatingUnit(county=county, **_cleaned(fields))
    _validate(unit)
    now = timezone.now()
    unit.edited_at, unit.edited_by = now, acting_user
    with acting(acting_user):
        unit.save()
        if stations is not None:
            _assign(acting_user, unit, list(stations))
    return unit


@transaction.atomic
def unit_update(
    *,
    acting_user: User,
    unit: OperatingUnit,
    version: int,
    stations: Iterable[Station] | None = None,
    **fields: Any,
) -> OperatingUnit:
    """Change the unit's record and, when ``stations`` is given, the set of standing stations it serves
    (those left out are no longer served by it). ``version`` is the unit's version the editor loaded:
    when someone saved the unit since, EditConflict says who and when, and nothing is saved."""
    acting_user.scope.require("operating_unit.manage")
    acting_user.scope.require_region(unit.county_id)
    _check_fields(fields)
    current = _locked(unit)
    if current.version != version:
        raise _edit_conflict(acting_user, current)
    for field, value in _cleaned(fields).items():
        setattr(unit, field, value)
    # a unit registered before the register (the demo's, say) may be edited before its code is known
    _validate(unit, code_required=bool(current.credit_code) or "credit_code" in fields)
    _bump(unit, current, acting_user)
    with acting(acting_user):
        unit.save()
        if stations is not None:
            _assign(acting_user, unit, list(stations))
    return unit


@transaction.atomic
def unit_deactivate(*, acting_user: User, unit: OperatingUnit, reason: str) -> OperatingUnit:
    """停用: the unit ends its service (see the module's docstring for what is kept)."""
    acting_user.scope.require("operating_unit.manage")
    acting_user.scope.require_region(unit.county_id)
    reason = (reason or "").strip()
    current = _locked(unit)
    if not current.is_active:
        raise ValidationError(_("运营单位“%(unit)s”已停用。") % {"unit": unit.name})
    if not reason:
        raise ValidationError({"reason": _("停用运营单位须填写理由。")})
    if len(reason) > 255:
        raise ValidationError({"reason": _("理由不能超过 255 个字。")})
    standing = list(_standing(unit).order_by("code").values_list("code", flat=True))
    if standing:
        shown = "、".join(standing[:10]) + ("…" if len(standing) > 10 else "")
        raise ValidationError(
            _("运营单位“%(unit)s”仍在服务 %(n)d 个服务站（%(codes)s），请先将它们划转给其他运营单位，再停用。")
            % {"unit": unit.name, "n": len(standing), "codes": shown}
        )
    now = timezone.now()
    today = local_now().date()
    unit.is_active = False
    unit.deactivated_at, unit.deactivated_by, unit.deactivation_reason = now, acting_user, reason
    if unit.agreement_end is None or unit.agreement_end > today:
        unit.agreement_end = today  # the agreement ends with the service
    _bump(unit, current, acting_user, now)
    with acting(acting_user):
        unit.save()
    return unit


@transaction.atomic
def unit_reactivate(*, acting_user: User, unit: OperatingUnit) -> OperatingUnit:
    """恢复: a deactivated unit may take stations again (its agreement dates are edited apart)."""
    acting_user.scope.require("operating_unit.manage")
    acting_user.scope.require_region(unit.county_id)
    current = _locked(unit)
    if current.is_active:
        raise ValidationError(_("运营单位“%(unit)s”未停用。") % {"unit": unit.name})
    unit.is_active = True
    unit.deactivated_at, unit.deactivated_by, unit.deactivation_reason = None, None, ""
    _bump(unit, current, acting_user)
    with acting(acting_user):
        unit.save()
    return unit


# -- helpers ---------------------------------------------------------------------------------------


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown operating unit fields: {sorted(unknown)}")


def _cleaned(fields: dict[str, Any]) -> dict[str, Any]:
    """Text stripped (a credit code also compacted: spaces out, upper case); dates as given."""
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field in ("agreement_start", "agreement_end"):
            cleaned[field] = value
        elif field == "credit_code":
            cleaned[field] = uscc.compact(value or "")
        else:
            cleaned[field] = (value or "").strip()
    return cleaned


def _validate(unit: OperatingUnit, *, code_required: bool = True) -> None:
    errors: dict[str, str] = {}
    if not unit.name:
        errors["name"] = _("请填写运营单位名称")
    elif len(unit.name) > 128:
        errors["name"] = _("名称不能超过 128 个字")
    elif _same_county(unit).filter(name=unit.name).exists():
        errors["name"] = _("本县已有名为“%(name)s”的运营单位") % {"name": unit.name}
    if not unit.credit_code:
        if code_required:
            errors["credit_code"] = _("请填写统一社会信用代码")
    elif problem := credit_code_problem(unit.credit_code):
        errors["credit_code"] = problem
    elif other := _same_county(unit).filter(credit_code=unit.credit_code).first():
        errors["credit_code"] = _("本县运营单位“%(name)s”已使用此统一社会信用代码") % {"name": other.name}
    if len(unit.contact_person) > 32:
        errors["contact_person"] = _("联系人不能超过 32 个字")
    if unit.contact_phone and not PHONE.match(unit.contact_phone):
        errors["contact_phone"] = _("请填写 11 位手机号，或带区号的固定电话（如 0912-1234567）")
    for field in ("agreement_start", "agreement_end"):
        if getattr(unit, field) is not None and not isinstance(getattr(unit, field), date):
            errors[field] = _("请填写日期，如 2025-03-01")
    if not errors.keys() & {"agreement_start", "agreement_end"}:
        start, end = unit.agreement_start, unit.agreement_end
        if start is not None and end is not None and end < start:
            errors["agreement_end"] = _("协议终止日期不能早于开始日期")
    if errors:
        raise ValidationError(errors)


def _same_county(unit: OperatingUnit) -> models.QuerySet[OperatingUnit]:
    return OperatingUnit.objects.filter(county_id=unit.county_id).exclude(pk=unit.pk)


def _standing(unit: OperatingUnit) -> models.QuerySet[Station]:
    return Station.objects.filter(operating_unit=unit).exclude(status__in=ENDED_STATUSES)


def _locked(unit: OperatingUnit) -> OperatingUnit:
    # lock and re-read: of two editors who loaded the same version, the second waits here for the
    # first to commit, then finds the version moved on
    return OperatingUnit.objects.select_for_update(of=("self",)).select_related("edited_by").get(pk=unit.pk)


def _bump(unit: OperatingUnit, current: OperatingUnit, acting_user: User, now: datetime | None = None) -> None:
    unit.version = current.version + 1
    unit.edited_at = now or timezone.now()
    unit.edited_by = acting_user


def _edit_conflict(acting_user: User, current: OperatingUnit) -> EditConflict:
    parts = conflict_parts(acting_user=acting_user, editor=current.edited_by, edited_at=current.edited_at)
    if parts["self"]:
        return EditConflict(
            _("该运营单位信息已在其他页面被您修改（%(when)s），请刷新后重新编辑，您的修改未保存。") % parts
        )
    return EditConflict(
        _("该运营单位信息已被他人（%(who)s，%(when)s）修改，请刷新后重新编辑，您的修改未保存。") % parts
    )


def _assign(acting_user: User, unit: OperatingUnit, stations: list[Station]) -> None:
    """The unit serves exactly ``stations`` among the standing ones; ended stations keep their unit."""
    problems = []
    for station in stations:
        acting_user.scope.require_station(station)
        if station.county_code != unit.county_id:
            problems.append(_("服务站 %(code)s 不属于本县") % {"code": station.code})
        elif station.status in ENDED_STATUSES and station.operating_unit_id != unit.pk:
            problems.append(
                _("服务站 %(code)s 已%(status)s，其记录留在原运营单位，不再划转")
                % {"code": station.code, "status": station.get_status_display()}
            )
    wanted = {s.pk for s in stations if s.status not in ENDED_STATUSES}
    joining = [s for s in stations if s.pk in wanted and s.operating_unit_id != unit.pk]
    if joining and not unit.is_active:
        problems.append(_("运营单位“%(unit)s”已停用，不能再承接服务站") % {"unit": unit.name})
    if problems:
        raise ValidationError({"stations": problems})
    leaving = list(_standing(unit).exclude(pk__in=wanted))
    # one save per station, so that the operation log keeps each station's unit before and after
    for station in leaving:
        station.operating_unit = None
        station.save(update_fields=["operating_unit"])
    for station in joining:
        station.operating_unit = unit
        station.save(update_fields=["operating_unit"])
