"""Every write to reports: one function per business action, one transaction each."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core import dates
from cunzhan.core.audit import acting, log_event
from cunzhan.core.concurrency import EditConflict, conflict_parts
from cunzhan.core.money import round_money
from cunzhan.regions.models import Region
from cunzhan.reports import drafts
from cunzhan.reports.models import (
    AdhocRequest,
    Kind,
    Report,
    ReportSettings,
    ReportVersion,
    TransmissionStatus,
    UpwardTransmission,
)
from cunzhan.reports.status import ReportPeriod
from cunzhan.stations.models import CERTIFIED_STATUSES, Station

Transport = Callable[[str, dict[str, Any]], None]


def _check_station(acting_user: User, station: Station) -> None:
    acting_user.scope.get_or_404(Station.objects.all(), pk=station.pk)


# -- settings ---------------------------------------------------------------------------


@transaction.atomic
def report_settings_update(*, acting_user: User, county: Region, **values: Any) -> ReportSettings:
    acting_user.scope.require("county_settings.manage")
    acting_user.scope.require_region(county.code)
    settings = ReportSettings.for_county(county.code)
    for field, value in values.items():
        setattr(settings, field, value)
    settings.full_clean()
    with acting(acting_user):
        settings.save()
    return settings


# -- monthly / weekly reports --------------------------------------------------------------


def report_obtain(*, station: Station, period: ReportPeriod) -> Report:
    """The station's report row for the period, created (unsubmitted) on first use."""
    report, _created = Report.objects.get_or_create(
        station=station,
        kind=period.kind,
        period_start=period.start,
        request=None,
        defaults={
            "county_code": station.county_code,
            "period_end": period.end,
            "due_at": period.due_at,
            "grace_end": period.grace_end,
        },
    )
    return report


def _clean_fix(line: dict[str, Any], fix: dict[str, Any]) -> dict[str, Any]:
    reason = str(fix.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": _("更正“%(line)s”须填写理由。") % {"line": line["label"]}})
    try:
        count = int(fix.get("count", line["count"]))
        quantity = Decimal(str(fix["quantity"])) if fix.get("quantity") not in (None, "") else None
        amount = Decimal(str(fix["amount"])) if fix.get("amount") not in (None, "") else None
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationError(_("“%(line)s”的数值格式不正确。") % {"line": line["label"]}) from None
    if count < 0 or (quantity is not None and quantity < 0) or (amount is not None and amount < 0):
        raise ValidationError(_("“%(line)s”的数值不能为负数。") % {"line": line["label"]})
    return {
        "count": count,
        "quantity": None if quantity is None else str(quantity),
        "amount": None if amount is None else str(round_money(amount)),  # to the fen, half up
        "reason": reason,
    }


def _check_revision(acting_user: User, report: Report, revision: int) -> None:
    """Refuse a save made from another revision than the (locked) report's current one."""
    if report.revision == revision:
        return
    parts = conflict_parts(acting_user=acting_user, editor=report.updated_by, edited_at=report.updated_at)
    if parts["self"]:
        raise EditConflict(_("该报表已在其他页面被您修改（%(when)s），请刷新后重新编辑，您的修改未保存。") % parts)
    raise EditConflict(_("该报表已被他人（%(who)s，%(when)s）修改，请刷新后重新编辑，您的修改未保存。") % parts)


def _saved_by(report: Report, acting_user: User, now: datetime) -> list[str]:
    """Mark the report saved (a new revision); the fields to save besides the change."""
    report.revision += 1
    report.updated_at = now
    report.updated_by = acting_user
    return ["revision", "updated_at", "updated_by"]


def _current_lines(report: Report) -> list[dict[str, Any]]:
    if report.version:
        return report.versions.get(number=report.version).data["lines"]
    request = report.request if report.kind == Kind.ADHOC else None
    if request is not None and (request.period_start is None or request.period_end is None):
        return []
    return drafts.apply_corrections(
        drafts.build_lines(report.station_id, report.period_start, report.period_end), report.pending_corrections
    )


@transaction.atomic
def report_correct(
    *,
    acting_user: User,
    report: Report,
    revision: int,
    corrections: dict[str, dict[str, Any]] | None = None,
    text: str | None = None,
    reason: str = "",
) -> Report:
    """Correct lines where the keeper disagrees with the draft, each with a reason.

    Before the first submission the corrections wait on the report; after it, they make a new
    frozen version n+1 with the reason, and the first submission time stays what it was.
    ``revision`` is the report's revision the keeper loaded: when someone has saved the report
    since, EditConflict says who and when, and nothing is saved.
    """
    acting_user.scope.require("report.submit")
    _check_station(acting_user, report.station)
    # locked: of two keepers who loaded the same revision, the second waits here, then is refused
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_revision(acting_user, report, revision)
    lines = _current_lines(report)
    by_key = {line["key"]: line for line in lines}
    cleaned = {}
    for key, fix in (corrections or {}).items():
        if key not in by_key:
            raise ValidationError(_("报表中没有这一行：%(key)s") % {"key": key})
        cleaned[key] = _clean_fix(by_key[key], {"reason": reason, **fix} if reason else fix)
    now = timezone.now()
    with acting(acting_user):
        if not report.is_submitted:
            report.pending_corrections = {**report.pending_corrections, **cleaned}
            report.save(update_fields=["pending_corrections", *_saved_by(report, acting_user, now)])
            return report
        reason = reason.strip() or "；".join(fix["reason"] for fix in cleaned.values())
        if not reason:
            raise ValidationError({"reason": _("已提交的报表只能以新版本更正，须填写更正理由。")})
        previous = report.versions.get(number=report.version).data
        data = {**previous, "lines": drafts.apply_corrections(lines, cleaned)}
        data["totals"] = drafts.totals(data["lines"])
        if text is not None:
            data["text"] = text
        report.version += 1
        ReportVersion.objects.create(
            report=report, number=report.version, data=data, reason=reason, created_by=acting_user, created_at=now
        )
        report.save(update_fields=["version", *_saved_by(report, acting_user, now)])
    return report


@transaction.atomic
def report_submit(
    *, acting_user: User, report: Report, revision: int, text: str = "", submitted_at: datetime | None = None
) -> Report:
    """Confirm the draft (with any pending corrections) as version 1 and freeze it; ``revision`` as
    for :func:`report_correct`.

    ``submitted_at``: the real time of a past submission of a monthly or weekly report, given by the
    county office bringing its history (历史导入) — the keeper submits now, and no one else may give a
    time. It must fall after the period ended and not in the future; the status (on time, late,
    missed) follows from it as from any first submission. The figures are drafted from the ledgers as
    they stand, as for the keeper."""
    acting_user.scope.require_to_record("report.submit", given=submitted_at, what=_("提交时间"))
    _check_station(acting_user, report.station)
    report = Report.objects.select_for_update(of=("self",)).select_related("station", "request").get(pk=report.pk)
    _check_revision(acting_user, report, revision)
    if report.is_submitted:
        raise ValidationError(_("报表已提交，不能重复提交；如需修改，请填写理由提交更正版本。"))
    now = timezone.now()
    opens_at = dates.day_start(report.period_end + timedelta(days=1))
    if submitted_at is not None:
        _check_submitted_at(report, submitted_at, opens_at, now)
    elif report.kind != Kind.ADHOC and now < opens_at:
        raise ValidationError(_("统计期尚未结束，暂不能提交。"))
    lines = _current_lines(report)
    data = drafts.document(
        station_code=report.station.code,
        kind=report.kind,
        start=report.period_start,
        end=report.period_end,
        lines=lines,
        text=text,
    )
    with acting(acting_user):
        submitted = submitted_at or now
        ReportVersion.objects.create(report=report, number=1, data=data, created_by=acting_user, created_at=submitted)
        report.version = 1
        report.first_submitted_at = submitted
        report.first_submitted_by = acting_user
        report.pending_corrections = {}
        _saved_by(report, acting_user, now)
        report.save()
    return report


def _check_submitted_at(report: Report, submitted_at: datetime, opens_at: datetime, now: datetime) -> None:
    if report.kind == Kind.ADHOC:
        raise ValidationError({"submitted_at": _("临时报表不能补录提交时间。")})
    if timezone.is_naive(submitted_at):
        raise ValidationError({"submitted_at": _("提交时间须带时区。")})
    if submitted_at > now + timedelta(minutes=5):
        raise ValidationError({"submitted_at": _("提交时间不能晚于现在。")})
    if submitted_at < opens_at:
        raise ValidationError(
            {
                "submitted_at": _("提交时间 %(at)s 早于统计期结束（%(end)s），报表只能在统计期结束后提交。")
                % {"at": f"{timezone.localtime(submitted_at, dates.SHANGHAI):%Y-%m-%d %H:%M}", "end": report.period_end}
            }
        )


# -- ad-hoc requests ---------------------------------------------------------------------------


@transaction.atomic
def adhoc_request_create(
    *,
    acting_user: User,
    county: Region,
    title: str,
    due_at: datetime,
    stations: Iterable[Station],
    description: str = "",
    grace_end: datetime | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> AdhocRequest:
    acting_user.scope.require("report.request")
    acting_user.scope.require_region(county.code)
    now = timezone.now()
    if due_at <= now:
        raise ValidationError({"due_at": _("截止时间须晚于现在。")})
    if grace_end is None:
        grace_end = due_at + timedelta(days=ReportSettings.for_county(county.code).adhoc_grace_days)
    if grace_end < due_at:
        raise ValidationError({"grace_end": _("宽限截止不能早于截止时间。")})
    if (period_start is None) != (period_end is None) or (period_start and period_end and period_start > period_end):
        raise ValidationError({"period_start": _("统计起止日须同时填写，且起始日不晚于截止日。")})
    chosen = list(
        acting_user.scope.filter(Station.objects.all()).filter(
            pk__in=[s.pk for s in stations], county_code=county.code[:6], status__in=CERTIFIED_STATUSES
        )
    )
    if not chosen:
        raise ValidationError({"stations": _("请至少选择一个本县在运营的服务站。")})
    with acting(acting_user):
        request = AdhocRequest.objects.create(
            county=county,
            title=title,
            description=description,
            due_at=due_at,
            grace_end=grace_end,
            period_start=period_start,
            period_end=period_end,
            created_by=acting_user,
            created_at=now,
        )
        day = timezone.localdate(now)
        Report.objects.bulk_create(
            Report(
                station=station,
                county_code=station.county_code,
                kind=Kind.ADHOC,
                period_start=period_start or day,
                period_end=period_end or day,
                request=request,
                due_at=due_at,
                grace_end=grace_end,
            )
            for station in chosen
        )
        log_event(actor=acting_user, obj=request, message="adhoc_request_create", data={"stations": len(chosen)})
    return request


# -- upward export -------------------------------------------------------------------------------


def http_transport(endpoint: str, payload: dict[str, Any]) -> None:
    """POST the payload as JSON; any non-2xx answer or network error raises."""
    if not endpoint.startswith(("https://", "http://")):
        raise ValueError(_("报送地址须以 http:// 或 https:// 开头"))
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 scheme checked above
        endpoint, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


@transaction.atomic
def upward_prepare(*, acting_user: User, county: Region, kind: str, period: str = "") -> UpwardTransmission:
    from cunzhan.reports import exporters

    acting_user.scope.require("upward.export")
    acting_user.scope.require_region(county.code)
    payload = exporters.upward_payload(acting_user, county=county, kind=kind, period=period)
    with acting(acting_user):
        return UpwardTransmission.objects.create(
            county=county,
            kind=kind,
            period=period,
            format_version=exporters.UPWARD_FORMAT,
            payload=payload,
            created_by=acting_user,
            created_at=timezone.now(),
        )


def upward_send(
    *, acting_user: User, transmission: UpwardTransmission, transport: Transport | None = None
) -> UpwardTransmission:
    """Send (or resend) the kept payload. The network call runs outside any transaction; the
    outcome is recorded in one."""
    acting_user.scope.require("upward.export")
    acting_user.scope.get_or_404(UpwardTransmission.objects.all(), pk=transmission.pk)
    endpoint = getattr(django_settings, "UPWARD_ENDPOINT", "") or ""
    if transport is None:
        if not endpoint:
            raise ValidationError(_("未配置上级平台报送地址（UPWARD_ENDPOINT），请下载文件后手动报送。"))
        transport = http_transport
    error = ""
    try:
        transport(endpoint, transmission.payload)
    except Exception as exc:  # the platform's failure is recorded, not raised: the log shows it
        error = f"{type(exc).__name__}: {exc}"[:2000]
    with transaction.atomic(), acting(acting_user):
        transmission = UpwardTransmission.objects.select_for_update().get(pk=transmission.pk)
        transmission.attempts += 1
        transmission.endpoint = endpoint
        transmission.last_error = error
        if error:
            transmission.status = TransmissionStatus.FAILED
        else:
            transmission.status = TransmissionStatus.SENT
            transmission.sent_at = timezone.now()
        transmission.save()
    return transmission
