"""Every write to trainings, attendance, marketing activities and guidance visits.

One function per business action, keyword-only, one transaction each. Records dated inside a
published assessment period are frozen: the plain action refuses a change, the ``*_correct`` variant
accepts it with a reason, which goes to the operation log with it. A record entered there
for the first time (a training or an activity, attendance, participation, an activity data report) is
accepted and marked 补录
(DOMAIN.md, "Decided edge cases"): it counts in the next correction, never in the published version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.activities.models import (
    ActivityReport,
    Attendance,
    AttendanceStatus,
    ExamResult,
    GuidanceKind,
    GuidanceVisit,
    MarketingActivity,
    Participation,
    Training,
)
from cunzhan.core.audit import acting, log_event
from cunzhan.core.money import round_money
from cunzhan.core.periods import day_start, ensure_editable
from cunzhan.core.roles import Role
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import OperatingUnit, Station

# -- shared checks -----------------------------------------------------------------------


def _require_county(user: User, county: Region) -> None:
    if county.level != Level.COUNTY:
        raise ValidationError({"county": _("请选择县级区划。")})
    user.scope.require_region(county.code)


def _require_organiser(user: User, event: Training | MarketingActivity) -> None:
    """An operating unit changes only its own events; the county office those of its county."""
    user.scope.require_region(event.county_id)  # first: another county's event does not exist for them
    role = Role(user.role)
    if role == Role.OPERATOR and event.operating_unit_id != user.operating_unit_id:
        raise PermissionDenied(_("只能修改本运营单位组织的活动。"))


def _stations_in_county(user: User, county: Region, stations: Iterable[Station]) -> list[Station]:
    stations = list(stations)
    for station in stations:
        if station.county_code != county.code:
            raise ValidationError({"required_stations": _("服务站 %(code)s 不在本县。") % {"code": station.code}})
        user.scope.require_station(station)
    return stations


def _guard(county_code: str, when: date | datetime, reason: str) -> bool:
    return ensure_editable(county_code, when, correction_reason=reason)


def _log_correction(user: User, obj: Any, reason: str, corrected: bool) -> None:
    if corrected:
        log_event(actor=user, obj=obj, message="correction", data={"reason": reason.strip()})


def _apply(obj: Any, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)


# -- trainings ----------------------------------------------------------------------------

TRAINING_FIELDS = ("organiser", "topic", "start_date", "days", "is_pre_job", "location")


@transaction.atomic
def training_create(
    *,
    acting_user: User,
    county: Region,
    topic: str,
    start_date: date,
    days: Decimal,
    organiser: str = "",
    operating_unit: OperatingUnit | None = None,
    is_pre_job: bool = False,
    location: str = "",
    required_stations: Iterable[Station] = (),
    is_demo: bool = False,
) -> Training:
    acting_user.scope.require("training.manage")
    _require_county(acting_user, county)
    if Role(acting_user.role) == Role.OPERATOR:
        operating_unit = acting_user.operating_unit
    if operating_unit is not None and operating_unit.county_id != county.code:
        raise ValidationError({"operating_unit": _("运营单位不属于该县。")})
    stations = _stations_in_county(acting_user, county, required_stations)
    # a training dated in a published half-year is accepted, marked 补录 (DOMAIN.md "Decided edge cases"):
    # it and its attendance count in the next correction, never in the published version
    training = Training(
        county=county,
        operating_unit=operating_unit,
        organiser=organiser.strip() or (operating_unit.name if operating_unit else _("县电商办")),
        topic=topic.strip(),
        start_date=start_date,
        days=days,
        is_pre_job=is_pre_job,
        location=location.strip(),
        created_by=acting_user,
        is_demo=is_demo,
    )
    training.full_clean()
    with acting(acting_user):
        training.save()
        training.required_stations.set(stations)
    return training


@transaction.atomic
def training_update(
    *,
    acting_user: User,
    training: Training,
    required_stations: Iterable[Station] | None = None,
    correction_reason: str = "",
    **fields: Any,
) -> Training:
    acting_user.scope.require("training.manage")
    _require_organiser(acting_user, training)
    corrected = _guard(training.county_id, training.start_date, correction_reason)
    if "start_date" in fields:
        corrected |= _guard(training.county_id, fields["start_date"], correction_reason)
    _apply(training, fields, TRAINING_FIELDS)
    training.full_clean()
    with acting(acting_user):
        training.save()
        if required_stations is not None:
            training.required_stations.set(_stations_in_county(acting_user, training.county, required_stations))
        _log_correction(acting_user, training, correction_reason, corrected)
    return training


def training_correct(*, acting_user: User, training: Training, reason: str, **changes: Any) -> Training:
    """Change a training of a published period; ``reason`` is required and logged."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正理由。")})
    return training_update(acting_user=acting_user, training=training, correction_reason=reason, **changes)


# -- attendance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceLine:
    """One person's attendance as typed on the grid or read from a sheet."""

    station: Station
    person_name: str
    status: str
    test_result: str = ""
    phone: str = ""
    user: User | None = None
    note: str = ""


def _check_line(training: Training, line: AttendanceLine) -> None:
    if line.status not in AttendanceStatus.values:
        raise ValidationError({"status": _("出勤情况无效：%(value)s") % {"value": line.status}})
    if line.test_result not in ExamResult.values:
        raise ValidationError({"test_result": _("测试结果无效：%(value)s") % {"value": line.test_result}})
    if line.test_result and line.status in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
        raise ValidationError(
            {"test_result": _("%(name)s 未到场（请假或旷课），不能有测试结果。") % {"name": line.person_name}}
        )
    if not line.person_name.strip():
        raise ValidationError({"person_name": _("请填写姓名。")})
    if line.station.county_code != training.county_id:
        raise ValidationError({"station": _("服务站 %(code)s 不在本次培训所在县。") % {"code": line.station.code}})


def _keeper_for(line: AttendanceLine) -> User | None:
    """Link the person to the station keeper's account when name or phone matches one."""
    if line.user is not None:
        return line.user
    match = Q(display_name=line.person_name.strip())
    if line.phone:
        match |= Q(phone=line.phone)
    return line.station.keepers.filter(match, is_active=True).order_by("pk").first()


@transaction.atomic
def attendance_record(
    *, acting_user: User, training: Training, lines: Iterable[AttendanceLine], correction_reason: str = ""
) -> list[Attendance]:
    """Record the attendance of the given people at the training: a person not yet recorded is added, a
    changed one overwritten, an unchanged one left as it was (who recorded it, and when).

    In a published half-year a person added is accepted, marked 补录 (cunzhan.core.late_entries), and counts
    in the next correction only; changing a person already recorded is a correction, with its reason."""
    acting_user.scope.require("attendance.record")
    _require_organiser(acting_user, training)
    lines = list(lines)
    for line in lines:
        _check_line(training, line)
        acting_user.scope.require_station(line.station)
    existing = {
        (row.station_id, row.person_name, row.phone): row
        for row in Attendance.objects.select_for_update().filter(training=training)
    }
    changes = []
    for line in lines:
        row = existing.get((line.station.pk, line.person_name.strip(), line.phone.strip()))
        values = {"status": line.status, "test_result": line.test_result, "note": line.note}
        if row is None or any(getattr(row, name) != value for name, value in values.items()):
            changes.append((line, row, values))
    corrected = False
    # a change to what was recorded needs a reason in a published half-year; a reason given is kept
    if correction_reason.strip() or any(row is not None for _line, row, _values in changes):
        corrected = _guard(training.county_id, training.start_date, correction_reason)
    now = timezone.now()
    with acting(acting_user):
        for line, row, values in changes:
            if row is None:
                row = Attendance(
                    training=training,
                    station=line.station,
                    person_name=line.person_name.strip(),
                    phone=line.phone.strip(),
                )
            for name, value in values.items():
                setattr(row, name, value)
            row.user = _keeper_for(line)
            row.recorded_by, row.recorded_at = acting_user, now
            row.save()
            existing[(row.station_id, row.person_name, row.phone)] = row
        if corrected:
            _log_correction(acting_user, training, correction_reason, corrected)
    return [existing[(line.station.pk, line.person_name.strip(), line.phone.strip())] for line in lines]


def attendance_correct(
    *, acting_user: User, training: Training, lines: Iterable[AttendanceLine], reason: str
) -> list[Attendance]:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正理由。")})
    return attendance_record(acting_user=acting_user, training=training, lines=lines, correction_reason=reason)


@transaction.atomic
def attendance_delete(*, acting_user: User, attendance: Attendance, correction_reason: str = "") -> None:
    acting_user.scope.require("attendance.record")
    training = attendance.training
    _require_organiser(acting_user, training)
    corrected = _guard(training.county_id, training.start_date, correction_reason)
    with acting(acting_user):
        _log_correction(acting_user, attendance, correction_reason, corrected)
        attendance.delete()


# -- marketing activities ------------------------------------------------------------------

ACTIVITY_FIELDS = ("organiser", "title", "start_date", "end_date", "description", "report_due_at")


def _check_activity_dates(activity: MarketingActivity) -> None:
    if activity.end_date < activity.start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
    if timezone.is_naive(activity.report_due_at):
        raise ValidationError({"report_due_at": _("数据上报截止时间须带时区。")})


@transaction.atomic
def activity_create(
    *,
    acting_user: User,
    county: Region,
    title: str,
    start_date: date,
    end_date: date,
    report_due_at: datetime,
    organiser: str = "",
    operating_unit: OperatingUnit | None = None,
    description: str = "",
    required_stations: Iterable[Station] = (),
    is_demo: bool = False,
) -> MarketingActivity:
    acting_user.scope.require("activity.manage")
    _require_county(acting_user, county)
    if Role(acting_user.role) == Role.OPERATOR:
        operating_unit = acting_user.operating_unit
    if operating_unit is not None and operating_unit.county_id != county.code:
        raise ValidationError({"operating_unit": _("运营单位不属于该县。")})
    stations = _stations_in_county(acting_user, county, required_stations)
    # as a training: an activity dated in a published half-year is accepted and marked 补录
    activity = MarketingActivity(
        county=county,
        operating_unit=operating_unit,
        organiser=organiser.strip() or _("电子商务公共服务中心"),
        title=title.strip(),
        start_date=start_date,
        end_date=end_date,
        report_due_at=report_due_at,
        description=description,
        created_by=acting_user,
        is_demo=is_demo,
    )
    _check_activity_dates(activity)
    activity.full_clean()
    with acting(acting_user):
        activity.save()
        activity.required_stations.set(stations)
    return activity


@transaction.atomic
def activity_update(
    *,
    acting_user: User,
    activity: MarketingActivity,
    required_stations: Iterable[Station] | None = None,
    correction_reason: str = "",
    **fields: Any,
) -> MarketingActivity:
    acting_user.scope.require("activity.manage")
    _require_organiser(acting_user, activity)
    corrected = _guard(activity.county_id, activity.start_date, correction_reason)
    if "start_date" in fields:
        corrected |= _guard(activity.county_id, fields["start_date"], correction_reason)
    _apply(activity, fields, ACTIVITY_FIELDS)
    _check_activity_dates(activity)
    activity.full_clean()
    with acting(acting_user):
        activity.save()
        if required_stations is not None:
            activity.required_stations.set(_stations_in_county(acting_user, activity.county, required_stations))
        _log_correction(acting_user, activity, correction_reason, corrected)
    return activity


def activity_correct(
    *, acting_user: User, activity: MarketingActivity, reason: str, **changes: Any
) -> MarketingActivity:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正理由。")})
    return activity_update(acting_user=acting_user, activity=activity, correction_reason=reason, **changes)


@transaction.atomic
def participation_record(
    *,
    acting_user: User,
    activity: MarketingActivity,
    station: Station,
    participated: bool,
    note: str = "",
    correction_reason: str = "",
) -> Participation:
    acting_user.scope.require("activity.manage")
    _require_organiser(acting_user, activity)
    acting_user.scope.require_station(station)
    if station.county_code != activity.county_id:
        raise ValidationError(_("服务站 %(code)s 不在本次活动所在县。") % {"code": station.code})
    row = Participation.objects.select_for_update().filter(activity=activity, station=station).first()
    if row is not None and row.participated == participated and row.note == note:
        return row  # nothing changes: who recorded it, and when, stay
    # in a published half-year a first record is accepted (补录); a change to one is a correction
    corrected = bool(row is not None or correction_reason.strip()) and _guard(
        activity.county_id, activity.start_date, correction_reason
    )
    with acting(acting_user):
        row, _created = Participation.objects.update_or_create(
            activity=activity,
            station=station,
            defaults={
                "participated": participated,
                "note": note,
                "recorded_by": acting_user,
                "recorded_at": timezone.now(),
            },
        )
        _log_correction(acting_user, row, correction_reason, corrected)
    return row


def participation_correct(
    *, acting_user: User, activity: MarketingActivity, station: Station, participated: bool, reason: str, note: str = ""
) -> Participation:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正理由。")})
    return participation_record(
        acting_user=acting_user,
        activity=activity,
        station=station,
        participated=participated,
        note=note,
        correction_reason=reason,
    )


@transaction.atomic
def activity_report_submit(
    *,
    acting_user: User,
    activity: MarketingActivity,
    station: Station,
    orders: int,
    sales_amount: Decimal,
    note: str = "",
    correction_reason: str = "",
    submitted_at: datetime | None = None,
) -> ActivityReport:
    """A station's activity data. Submitting after the due time is allowed but still counts as missed;
    the first submission time is kept, so a later edit cannot make a late report timely.
    ``submitted_at``: the real time of a past first submission, given by the county office bringing
    its history (历史导入) — no one else, and never for a report already filed."""
    acting_user.scope.require_to_record("activity_report.submit", given=submitted_at, what=_("上报时间"))
    acting_user.scope.require_station(station)
    if not activity.required_stations.filter(pk=station.pk).exists():
        raise ValidationError(_("服务站 %(code)s 不是本次活动的应参加站点。") % {"code": station.code})
    if orders < 0 or sales_amount < 0:
        raise ValidationError(_("订单数和销售额不能为负数。"))
    sales_amount = round_money(sales_amount)  # to the fen, half up, whoever entered it
    if submitted_at is not None:
        _check_submitted_at(activity, submitted_at)
    # in a published half-year a first filing is accepted (补录, and late); a change to one is a correction
    filed = ActivityReport.objects.filter(activity=activity, station=station).exists()
    corrected = bool(filed or correction_reason.strip()) and _guard(
        activity.county_id, activity.start_date, correction_reason
    )
    with acting(acting_user):
        report, created = ActivityReport.objects.get_or_create(
            activity=activity,
            station=station,
            defaults={
                "orders": orders,
                "sales_amount": sales_amount,
                "note": note,
                "submitted_by": acting_user,
                "submitted_at": submitted_at or timezone.now(),
            },
        )
        if not created and submitted_at is not None:
            raise ValidationError(
                {"submitted_at": _("服务站 %(code)s 已上报本次活动的数据，上报时间不能再改。") % {"code": station.code}}
            )
        if not created:
            report.orders, report.sales_amount, report.note = orders, sales_amount, note
            report.save()
        _log_correction(acting_user, report, correction_reason, corrected)
    return report


def _check_submitted_at(activity: MarketingActivity, submitted_at: datetime) -> None:
    if timezone.is_naive(submitted_at):
        raise ValidationError({"submitted_at": _("上报时间须带时区。")})
    if submitted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"submitted_at": _("上报时间不能晚于现在。")})
    if submitted_at < day_start(activity.start_date):
        message = _("上报时间不能早于活动开始日期 %(day)s。") % {"day": activity.start_date}
        raise ValidationError({"submitted_at": message})


# -- guidance visits --------------------------------------------------------------------------


@transaction.atomic
def guidance_record(
    *,
    acting_user: User,
    station: Station,
    kind: str,
    visited_on: date,
    content: str,
    is_demo: bool = False,
) -> GuidanceVisit:
    acting_user.scope.require("guidance.record")
    acting_user.scope.require_station(station)
    if kind not in GuidanceKind.values:
        raise ValidationError({"kind": _("类别无效。")})
    if station.operating_unit_id is None:
        raise ValidationError({"station": _("该服务站没有运营单位。")})
    if Role(acting_user.role) == Role.OPERATOR and station.operating_unit_id != acting_user.operating_unit_id:
        raise PermissionDenied(_("只能为本运营单位的服务站登记。"))
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("日期不能晚于今天。")})
    if not content.strip():
        raise ValidationError({"content": _("请填写指导内容。")})
    _guard(station.county_code, visited_on, "")
    visit = GuidanceVisit(
        station=station,
        operating_unit_id=station.operating_unit_id,
        kind=kind,
        visited_on=visited_on,
        content=content.strip(),
        visitor=acting_user,
        recorded_at=timezone.now(),
        is_demo=is_demo,
    )
    with acting(acting_user):
        visit.save()
    return visit


@transaction.atomic
def guidance_update(
    *, acting_user: User, visit: GuidanceVisit, correction_reason: str = "", **fields: Any
) -> GuidanceVisit:
    acting_user.scope.require("guidance.record")
    acting_user.scope.require_station(visit.station)
    corrected = _guard(visit.station.county_code, visit.visited_on, correction_reason)
    if "visited_on" in fields:
        corrected |= _guard(visit.station.county_code, fields["visited_on"], correction_reason)
    _apply(visit, fields, ("kind", "visited_on", "content"))
    visit.full_clean()
    with acting(acting_user):
        visit.save()
        _log_correction(acting_user, visit, correction_reason, corrected)
    return visit


def guidance_correct(*, acting_user: User, visit: GuidanceVisit, reason: str, **changes: Any) -> GuidanceVisit:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正理由。")})
    return guidance_update(acting_user=acting_user, visit=visit, correction_reason=reason, **changes)
