"""Every write to stations: one function per business action, one transaction each, keyword-only,
with the acting user checked against the one scoping mechanism and attributed in the audit log.
The public assets and their fault reports are written by :mod:`cunzhan.stations.assets` (offered here too)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.audit import acting
from cunzhan.core.concurrency import EditConflict, conflict_parts
from cunzhan.core.scoping import Scope
from cunzhan.regions.models import Level, Region
from cunzhan.stations import lifecycle, norms, selectors
from cunzhan.stations.assets import asset_add, asset_set_condition, fault_repair, fault_report  # noqa: F401
from cunzhan.stations.models import (
    AssetCondition,
    AssetReturn,
    CountySettings,
    ExemptionBasis,
    NormExemption,
    OperatingUnit,
    ResponsiblePerson,
    Station,
    StationEvent,
    Status,
    Tier,
)
from cunzhan.stations.units import unit_problem

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User

CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{3,32}$")
# path segments under /stations/ and /directory/ that a station code must not shadow
RESERVED_CODES = frozenset({"new", "import", "export", "zombies", "settings", "template", "publicity"})
TIER_LEVEL = {Tier.COUNTY_CENTRE: Level.COUNTY, Tier.TOWNSHIP: Level.TOWNSHIP, Tier.VILLAGE: Level.VILLAGE}

# the record fields a registration or edit may set (besides code, tier, region, operating unit)
DETAIL_FIELDS = (
    "name",
    "signboard_name",
    "address",
    "longitude",
    "latitude",
    "usable_area",
    "resident_population",
    "poor_share",
    "platforms",
    "has_broadband",
    "has_terminal",
    "has_shelves",
    "has_display_cabinet",
    "has_parcel_facilities",
    "opening_hours",
    "service_items",
    "key_processes",
    "service_promise",
    "fees",
    "complaint_channel",
    "contact_phone",
)


# -- checks shared with the importer -------------------------------------------------------


def code_problem(code: str) -> str | None:
    """Why a station code is unacceptable, or None."""
    if not CODE_PATTERN.match(code):
        return _("编码须为 3–32 位字母、数字或连字符")
    if code.lower() in RESERVED_CODES:
        return _("“%(code)s”是系统保留字，不能用作编码") % {"code": code}
    return None


def region_problem(region: Region, tier: str, scope: Scope) -> str | None:
    """Why a region cannot be served by a station of this tier for this user, or None."""
    if not scope.covers_region(region.code):
        return _("区划 %(code)s 不在您的管辖范围内") % {"code": region.code}
    expected = TIER_LEVEL[Tier(tier)]
    if region.level != expected:
        return _("%(tier)s的服务区域须为%(level)s级区划，%(code)s 是%(actual)s级") % {
            "tier": Tier(tier).label,
            "level": expected.label,
            "code": region.code,
            "actual": Level(region.level).label,
        }
    return None


def _full_clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _event(
    station: Station, *, actor: User, source: str, target: str, at: datetime, reason: str = "", **data: Any
) -> StationEvent:
    return StationEvent.objects.create(
        station=station,
        from_status=source,
        to_status=target,
        actor=actor,
        at=at,
        reason=reason,
        data=data,
    )


# -- the registry ------------------------------------------------------------------------------


@transaction.atomic
def station_register(
    *,
    acting_user: User,
    code: str,
    tier: Tier | str,
    region: Region,
    operating_unit: OperatingUnit | None = None,
    **details: Any,
) -> Station:
    """Register a station as 申请 (applied); the norms are checked on its page, not here."""
    acting_user.scope.require("station.register")
    acting_user.scope.require_region(region.code)  # a region outside the scope does not exist for them
    code = (code or "").strip()
    errors: dict[str, str] = {}
    if problem := code_problem(code):
        errors["code"] = problem
    elif Station.objects.filter(code=code).exists():
        errors["code"] = _("编码 %(code)s 已被使用") % {"code": code}
    if tier not in Tier.values:
        errors["tier"] = _("请选择层级")
    elif problem := region_problem(region, tier, acting_user.scope):
        errors["region"] = problem
    if operating_unit is None and acting_user.scope.operating_unit_id:
        operating_unit = OperatingUnit.objects.get(pk=acting_user.scope.operating_unit_id)
    if problem := unit_problem(operating_unit, region.code[:6], acting_user):
        errors["operating_unit"] = problem
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    if errors:
        raise ValidationError(errors)
    station = Station(
        code=code,
        tier=tier,
        region=region,
        county_code=region.code[:6],
        operating_unit=operating_unit,
        status=Status.APPLIED,
        **details,
    )
    _full_clean(station)
    now = timezone.now()
    station.status_changed_at = now
    with acting(acting_user):
        station.save()
    _event(station, actor=acting_user, source="", target=Status.APPLIED, at=now, reason=_("登记申请"))
    return station


@transaction.atomic
def station_update(*, acting_user: User, station: Station, version: int, **details: Any) -> Station:
    """Change the record's details; code, tier, region and status are not edited here.

    ``version`` is the station's version the editor loaded. When someone has saved the details since,
    EditConflict says who and when, and nothing is saved.
    """
    acting_user.scope.require("station.edit")
    acting_user.scope.require_station(station)
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    # lock and re-read: of two editors who loaded the same version, the second waits here for the
    # first to commit, then finds the version moved on
    current = Station.objects.select_for_update(of=("self",)).select_related("edited_by").get(pk=station.pk)
    if current.version != version:
        raise _edit_conflict(acting_user, current)
    for field, value in details.items():
        setattr(station, field, value)
    _full_clean(station)
    station.version = current.version + 1
    station.edited_at = timezone.now()
    station.edited_by = acting_user
    with acting(acting_user):
        # only what this edit owns: status, last activity … may have moved since ``station`` was read
        station.save(update_fields=[*details, "version", "edited_at", "edited_by"])
    station.refresh_from_db()  # decimals as stored (9.5 → 9.50)
    return station


def _edit_conflict(acting_user: User, current: Station) -> EditConflict:
    parts = conflict_parts(acting_user=acting_user, editor=current.edited_by, edited_at=current.edited_at)
    if parts["self"]:
        return EditConflict(
            _("该服务站信息已在其他页面被您修改（%(when)s），请刷新后重新编辑，您的修改未保存。") % parts
        )
    return EditConflict(_("该服务站信息已被他人（%(who)s，%(when)s）修改，请刷新后重新编辑，您的修改未保存。") % parts)


# -- the lifecycle ---------------------------------------------------------------------------


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


@transaction.atomic
def station_transition(
    *,
    acting_user: User,
    station: Station,
    to: Status | str,
    reason: str = "",
    agreement_no: str = "",
    now: datetime | None = None,
) -> StationEvent:
    """Move a station one step along its lifecycle, recording who, when and why.

    Refused (ValidationError naming both states) when the move does not exist, a required field is
    missing, a time gate has not passed or a norm fails without an exemption; PermissionDenied
    when the user's role may not make it.
    """
    acting_user.scope.require_station(station)
    # lock and re-read: two reviewers pressing at once must not both move the station
    station = Station.objects.select_for_update().get(pk=station.pk)
    now = now or timezone.now()
    reason, agreement_no = (reason or "").strip(), (agreement_no or "").strip()
    current, target = station.status, str(to)
    names = {"current": _status_label(current), "target": _status_label(target)}
    move = lifecycle.transition_for(current, target)
    if move is None:
        allowed = "、".join(str(t.target.label) for t in lifecycle.transitions_from(current)) or _("无")
        raise ValidationError(
            _("服务站当前为“%(current)s”，不能变为“%(target)s”。可以变为：%(allowed)s。")
            % {**names, "allowed": allowed}
        )
    if not acting_user.scope.can(move.permission):
        raise PermissionDenied(_("您的角色无权将服务站从“%(current)s”变为“%(target)s”。") % names)
    missing = {}
    if "reason" in move.requires and not reason:
        missing["reason"] = _("从“%(current)s”变为“%(target)s”须填写理由。") % names
    if "agreement_no" in move.requires and not agreement_no:
        missing["agreement_no"] = _("认定授牌须填写合作协议编号。")
    if missing:
        raise ValidationError(missing)
    county = selectors.settings_for_county(station.county_code)
    _check_time_gates(station, move, county, now, names)
    if move.norms_must_pass:
        failed = norms.failures(selectors.norm_checklist(station))
        if failed:
            raise ValidationError(
                _("服务站当前为“%(current)s”，不能变为“%(target)s”：以下规范不符合且未放宽——%(rules)s。")
                % {**names, "rules": "；".join(f"{r.label}（{r.explanation}）" for r in failed)}
            )

    data: dict[str, Any] = {}
    station.status = target
    station.status_changed_at = now
    if target == Status.PUBLICITY:
        station.publicity_started_at = now
        ends = lifecycle.publicity_ends_at(now, county.publicity_days)
        data["publicity_ends_at"] = ends.isoformat()
    elif target == Status.APPLIED:
        station.publicity_started_at = None
    elif target == Status.CERTIFIED:
        station.certified_at = now
        station.agreement_no = agreement_no
        station.agreement_start = lifecycle.local_date(now)
        station.agreement_end = None
        data["agreement_no"] = agreement_no
    if move.ends_station and station.certified_at:
        station.agreement_end = lifecycle.local_date(now)
    with acting(acting_user):
        station.save()
    event = _event(station, actor=acting_user, source=current, target=target, at=now, reason=reason, **data)
    if move.ends_station:
        returns = _asset_return_checklist(station, event, now)
        if returns:
            event.data = {**event.data, "asset_returns": len(returns)}
            event.save(update_fields=["data"])
    return event


def _check_time_gates(
    station: Station, move: lifecycle.Transition, county: CountySettings, now: datetime, names: dict[str, str]
) -> None:
    if move.source == Status.PUBLICITY and move.target == Status.CERTIFIED:
        started = station.publicity_started_at or station.status_changed_at or now
        ends = lifecycle.publicity_ends_at(started, county.publicity_days)
        if now < ends:
            raise ValidationError(
                _("服务站当前为“%(current)s”，不能变为“%(target)s”：%(days)d 天公示期到 %(end)s 才结束。")
                % {**names, "days": county.publicity_days, "end": _local(ends)}
            )
    if move.source == Status.INCUBATION and move.target == Status.OPERATING:
        ends = lifecycle.incubation_ends_at(station.certified_at or now, county.incubation_months)
        if now < ends:
            raise ValidationError(
                _(
                    "服务站当前为“%(current)s”，不能变为“%(target)s”："
                    "%(months)d 个月培育期（自认定授牌起）到 %(end)s 才结束。"
                )
                % {**names, "months": county.incubation_months, "end": _local(ends)}
            )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _asset_return_checklist(station: Station, event: StationEvent, now: datetime) -> list[AssetReturn]:
    """One line per movable public asset still at the station."""
    assets = station.assets.filter(movable=True).exclude(
        condition__in=[AssetCondition.SCRAPPED, AssetCondition.RETURNED]
    )
    return AssetReturn.objects.bulk_create(
        [AssetReturn(station=station, asset=asset, event=event, created_at=now) for asset in assets]
    )


@transaction.atomic
def asset_return_confirm(*, acting_user: User, item: AssetReturn, note: str = "") -> AssetReturn:
    """The asset on a return checklist has been received back."""
    acting_user.scope.require("asset.manage")
    acting_user.scope.require_station(item.station)
    if item.returned_at is not None:
        raise ValidationError(_("该资产已登记收回。"))
    item.returned_at = timezone.now()
    item.received_by = acting_user
    item.note = note.strip()
    with acting(acting_user):
        item.save()
        item.asset.condition = AssetCondition.RETURNED
        item.asset.save()
    return item


# -- norms: exemptions, people, county parameters ------------------------------------------


@transaction.atomic
def exemption_grant(
    *, acting_user: User, station: Station, rule: str, basis: str, reason: str, now: datetime | None = None
) -> NormExemption:
    """Relax one norm for one station (适当放宽), recording the basis, reason and approver."""
    acting_user.scope.require("station.exempt")
    acting_user.scope.require_station(station)
    reason = (reason or "").strip()
    errors = {}
    if rule not in norms.NormRule.values:
        errors["rule"] = _("请选择要放宽的规范条目")
    if basis not in ExemptionBasis.values:
        errors["basis"] = _("请选择放宽依据")
    if not reason:
        errors["reason"] = _("放宽规范须填写理由")
    if errors:
        raise ValidationError(errors)
    if station.exemptions.filter(rule=rule, withdrawn_at__isnull=True).exists():
        raise ValidationError({"rule": _("“%(rule)s”已放宽，如需修改请先撤回") % {"rule": norms.NormRule(rule).label}})
    with acting(acting_user):
        return NormExemption.objects.create(
            station=station,
            rule=rule,
            basis=basis,
            reason=reason,
            approved_by=acting_user,
            approved_at=now or timezone.now(),
        )


@transaction.atomic
def exemption_withdraw(*, acting_user: User, exemption: NormExemption) -> NormExemption:
    acting_user.scope.require("station.exempt")
    acting_user.scope.require_station(exemption.station)
    if exemption.withdrawn_at is None:
        exemption.withdrawn_at = timezone.now()
        exemption.withdrawn_by = acting_user
        with acting(acting_user):
            exemption.save()
    return exemption


@transaction.atomic
def person_add(
    *,
    acting_user: User,
    station: Station,
    name: str,
    phone: str = "",
    pre_job_training_days: Decimal | int = Decimal(0),
    yearly_trainings: int = 0,
    is_primary: bool = True,
) -> ResponsiblePerson:
    acting_user.scope.require("station.edit")
    acting_user.scope.require_station(station)
    person = ResponsiblePerson(
        station=station,
        name=(name or "").strip(),
        phone=(phone or "").strip(),
        pre_job_training_days=Decimal(pre_job_training_days),
        yearly_trainings=yearly_trainings,
        is_primary=is_primary,
    )
    _full_clean(person)
    with acting(acting_user):
        person.save()
    return person


@transaction.atomic
def person_update(*, acting_user: User, person: ResponsiblePerson, **fields: Any) -> ResponsiblePerson:
    acting_user.scope.require("station.edit")
    acting_user.scope.require_station(person.station)
    for field, value in fields.items():
        if field not in {"name", "phone", "pre_job_training_days", "yearly_trainings", "is_primary"}:
            raise TypeError(f"unknown field {field}")
        setattr(person, field, value)
    _full_clean(person)
    with acting(acting_user):
        person.save()
    return person


@transaction.atomic
def person_remove(*, acting_user: User, person: ResponsiblePerson) -> None:
    acting_user.scope.require("station.edit")
    acting_user.scope.require_station(person.station)
    with acting(acting_user):
        person.delete()


SETTINGS_FIELDS = (
    "area_county_centre",
    "area_township",
    "area_village",
    "min_population",
    "min_poor_share",
    "min_training_days",
    "min_yearly_trainings",
    "publicity_days",
    "incubation_months",
    "zombie_days",
)


@transaction.atomic
def county_settings_update(*, acting_user: User, county: Region, **values: Any) -> CountySettings:
    acting_user.scope.require("county_settings.manage")
    if county.level != Level.COUNTY:
        raise ValidationError(_("参数按县设置，请选择县级区划。"))
    acting_user.scope.require_region(county.code)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    current = CountySettings.objects.select_for_update().filter(county=county).first()
    current = current or CountySettings(county=county)
    for field, value in values.items():
        setattr(current, field, value)
    errors = {}
    if current.publicity_days < 1:
        errors["publicity_days"] = _("公示天数至少 1 天")
    if current.zombie_days < 1:
        errors["zombie_days"] = _("僵尸站点判定天数至少 1 天")
    if errors:
        raise ValidationError(errors)
    _full_clean(current, exclude=["county"])
    with acting(acting_user):
        current.save()
    return current
