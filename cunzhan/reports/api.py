"""/api/v1/reports: report status boards, a station's report (draft or submitted), submission and
corrections (monthly, weekly and ad-hoc), county statistics, ad-hoc requests, the county's reporting
parameters and the upward export — all through the one scoping mechanism (out of scope → 404, not
allowed → 403, refused → 422 with the Chinese reason)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply

from cunzhan.core import dates
from cunzhan.core.api import JobStartedOut
from cunzhan.core.concurrency import ConflictOut, EditConflict
from cunzhan.core.jobs import job_enqueue
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import FIRST, county_for_user
from cunzhan.reports import drafts, exporters, selectors, services
from cunzhan.reports.jobs import UPWARD_ATTEMPTS
from cunzhan.reports.models import Kind, ReportSettings
from cunzhan.reports.statistics import FIGURE_NAMES, county_statistics
from cunzhan.reports.status import monthly_period, period_from_slug
from cunzhan.stations.models import Station

router = Router(tags=["报表"])


def _county(request, code: str | None) -> Region:
    """The county asked for (404 outside the scope); without one, as on the pages, the user's first
    county (the answer names it)."""
    if code:
        return county_for_user(request.user, code)
    county = county_for_user(request.user, several=FIRST)
    if county is None:
        raise Http404("您的管辖范围内没有县。")
    return county


def _month(month: str | None) -> tuple[int, int]:
    if not month:
        return dates.previous_month()
    try:
        return dates.parse_month(month)
    except ValueError:
        raise ValidationError({"month": ["月份格式应为 YYYY-MM。"]}) from None


class BoardRowOut(Schema):
    station_code: str
    station_name: str
    township: str
    status: str
    status_label: str
    first_submitted_at: datetime | None
    version: int


class BoardOut(Schema):
    county: str
    kind: str
    period: str
    due_at: datetime
    grace_end: datetime
    counts: dict[str, int]
    rows: list[BoardRowOut]


@router.get("/status", response=BoardOut, summary="按月（或按周）的报送情况：按时、迟报、逾期、漏报")
def status_board(request, county: str | None = None, month: str | None = None, week: str | None = None):
    request.user.scope.require("report.view")
    region = _county(request, county)
    settings = ReportSettings.for_county(region.code)
    try:
        period = period_from_slug(settings, Kind.WEEKLY, week) if week else monthly_period(settings, *_month(month))
    except ValueError:
        raise ValidationError({"week": ["周次格式应为 YYYY-Www。"]}) from None
    rows = selectors.period_board(request.user, region.code, period)
    return {
        "county": region.code,
        "kind": period.kind,
        "period": period.slug,
        "due_at": period.due_at,
        "grace_end": period.grace_end,
        "counts": selectors.status_counts(rows),
        "rows": [
            {
                "station_code": r.code,
                "station_name": r.name,
                "township": r.township,
                "status": r.status,
                "status_label": str(r.status_label),
                "first_submitted_at": r.first_submitted_at,
                "version": r.version,
            }
            for r in rows
        ],
    }


class ReportOut(Schema):
    station: str
    kind: str
    period: str
    status: str
    due_at: datetime
    grace_end: datetime
    first_submitted_at: datetime | None
    version: int
    revision: int = Field(..., description="修改次数：提交或更正时原样交回（见 submit）")
    document: dict[str, Any]
    pending_corrections: dict[str, Any]


def _report_out(request, code: str, kind: str, period_slug: str) -> dict[str, Any]:
    try:
        station, period, report = selectors.report_page(request.user, code, kind, period_slug)
    except ValueError:
        raise Http404("报表期间格式不正确。") from None
    if report and report.version:
        document = report.versions.get(number=report.version).data
    else:
        lines = drafts.apply_corrections(
            drafts.build_lines(station.pk, period.start, period.end), report.pending_corrections if report else {}
        )
        document = drafts.document(station_code=code, kind=kind, start=period.start, end=period.end, lines=lines)
    if report:
        status = selectors.report_status_now(report, period.opens_at)
    else:
        from django.utils import timezone

        status = selectors.status_of(
            opens_at=period.opens_at,
            due_at=period.due_at,
            grace_end=period.grace_end,
            first_submitted_at=None,
            now=timezone.now(),
        )
    return {
        "station": code,
        "kind": kind,
        "period": period.slug,
        "status": status,
        "due_at": report.due_at if report else period.due_at,
        "grace_end": report.grace_end if report else period.grace_end,
        "first_submitted_at": report.first_submitted_at if report else None,
        "version": report.version if report else 0,
        "revision": report.revision if report else 0,
        "document": document,
        "pending_corrections": report.pending_corrections if report else {},
    }


def _check_kind(kind: str) -> None:
    if kind not in (Kind.MONTHLY, Kind.WEEKLY):
        raise Http404("报表类型应为 monthly 或 weekly。")


@router.get("/stations/{code}/{kind}/{period}", response=ReportOut, summary="一个站点的月报/周报（草稿或已提交版本）")
def report_get(request, code: str, kind: str, period: str):
    request.user.scope.require("report.view")
    _check_kind(kind)
    return _report_out(request, code, kind, period)


class LineFix(Schema):
    count: int
    quantity: str | None = None
    amount: str | None = None
    reason: str


class SubmitIn(Schema):
    revision: int = Field(
        ...,
        description="读取报表时得到的 revision，原样交回。报表在此之后已被他人修改则答 409，不做任何修改。",
    )
    corrections: dict[str, LineFix] = {}
    text: str = ""
    reason: str = ""
    submitted_at: datetime | None = Field(
        None,
        description="过去的实际提交时间（须在统计期结束之后）：仅县电商办补录历史数据时填写（历史导入），"
        "不能同时更正；其他账号填写则拒绝（403），提交时间以系统记录为准",
    )


@router.post(
    "/stations/{code}/{kind}/{period}/submit",
    response={200: ReportOut, 409: ConflictOut},
    summary="提交（首次提交冻结为第 1 版；已提交后为更正，生成新版本并须填写理由）",
    description="须交回读取报表时得到的 revision；报表在此之后已被他人修改则答 409，不做任何修改。",
)
def report_submit(request, code: str, kind: str, period: str, payload: SubmitIn):
    user = request.user
    # refused before the report's row is made: a past submission time is the county office's history
    user.scope.require_to_record("report.submit", given=payload.submitted_at, what=_("提交时间"))
    _check_kind(kind)
    try:
        station, report_period, report = selectors.report_page(user, code, kind, period)
    except ValueError:
        raise Http404("报表期间格式不正确。") from None
    if payload.submitted_at is not None and payload.corrections:
        raise ValidationError({"corrections": [_("补录历史提交时间时不能同时更正。")]})
    if payload.submitted_at is not None:
        try:
            with transaction.atomic():  # a refused time leaves no report row behind
                services.report_submit(
                    acting_user=user,
                    report=report or services.report_obtain(station=station, period=report_period),
                    revision=payload.revision,
                    text=payload.text,
                    submitted_at=payload.submitted_at,
                )
        except EditConflict as exc:
            return Reply(409, {"detail": exc.message})
        return _report_out(request, code, kind, period)
    report = report or services.report_obtain(station=station, period=report_period)
    try:
        _submit(user, report, payload)
    except EditConflict as exc:
        return Reply(409, {"detail": exc.message})
    return _report_out(request, code, kind, period)


def _submit(user, report, payload: SubmitIn) -> None:
    """The first submission (with any corrections first), or after it a correction version."""
    corrections = {k: v.dict() for k, v in payload.corrections.items()}
    revision = payload.revision
    # corrections and submission together or not at all: a refused submission must not leave the
    # corrections saved (and the client's revision stale)
    with transaction.atomic():
        if report.is_submitted:
            services.report_correct(
                acting_user=user,
                report=report,
                revision=revision,
                corrections=corrections,
                text=payload.text or None,
                reason=payload.reason,
            )
        else:
            if corrections:
                revision = services.report_correct(
                    acting_user=user, report=report, revision=revision, corrections=corrections
                ).revision
            services.report_submit(acting_user=user, report=report, revision=revision, text=payload.text)


@router.get("/statistics", summary="县级电子商务进农村统计（按月或年初至今；按乡镇和站点）")
def statistics(request, county: str | None = None, month: str | None = None, mode: str = "month"):
    request.user.scope.require("statistics.view")
    region = _county(request, county)
    year, mon = _month(month)
    start = date(year, 1, 1) if mode == "ytd" else dates.month_first(year, mon)
    stats = county_statistics(request.user, region.code, start, dates.month_last(year, mon))

    def figures(f) -> dict[str, Any]:
        return {name: str(getattr(f, name)) if name.endswith("amount") else getattr(f, name) for name in FIGURE_NAMES}

    return {
        "county": region.code,
        "start": stats.start,
        "end": stats.end,
        "total": {"stations": stats.total.stations, "active": stats.total.active, **figures(stats.total.figures)},
        "townships": [
            {"code": g.code, "name": g.name, "stations": g.stations, "active": g.active, **figures(g.figures)}
            for g in stats.townships
        ],
        "stations": [
            {"code": r.code, "name": r.name, "township": r.township, "active": r.active, **figures(r.figures)}
            for r in stats.stations
        ],
    }


class AdhocOut(Schema):
    id: int
    county_id: str
    title: str
    description: str
    due_at: datetime
    grace_end: datetime
    period_start: date | None
    period_end: date | None
    created_at: datetime


class AdhocIn(Schema):
    county: str
    title: str
    description: str = ""
    due_at: datetime
    grace_end: datetime | None = None
    period_start: date | None = None
    period_end: date | None = None
    stations: list[str]


@router.get("/adhoc", response=list[AdhocOut], summary="临时报表要求")
def adhoc_list(request):
    request.user.scope.require("report.view")
    return list(selectors.adhoc_requests_for_user(request.user)[:200])


@router.post("/adhoc", response={201: AdhocOut}, summary="发起临时报表要求（县电商办）")
def adhoc_create(request, payload: AdhocIn):
    user = request.user
    user.scope.require("report.request")
    county = _county(request, payload.county)
    stations = Station.objects.filter(code__in=payload.stations)
    adhoc = services.adhoc_request_create(
        acting_user=user,
        county=county,
        title=payload.title,
        description=payload.description,
        due_at=payload.due_at,
        grace_end=payload.grace_end,
        period_start=payload.period_start,
        period_end=payload.period_end,
        stations=stations,
    )
    return Reply(201, adhoc)


class AdhocReportOut(Schema):
    id: int
    request_id: int
    title: str = Field(..., alias="request.title")
    station: str = Field(..., alias="station.code")
    due_at: datetime
    grace_end: datetime
    first_submitted_at: datetime | None
    version: int


# before "/adhoc/{pk}", which would take "reports" for a pk
@router.get("/adhoc/reports", response=list[AdhocReportOut], summary="临时报表（站长：本站的；其他角色：辖区内的）")
def adhoc_reports(request, adhoc: int | None = None):
    reports = selectors.adhoc_reports_for_user(request.user)
    return list((reports.filter(request_id=adhoc) if adhoc else reports)[:500])


@router.get("/adhoc/{pk}", response=BoardOut, summary="临时报表的报送情况")
def adhoc_status(request, pk: int):
    request.user.scope.require("report.view")
    adhoc = selectors.adhoc_request_for_user_or_404(request.user, pk)
    rows = selectors.adhoc_board(request.user, adhoc)
    return {
        "county": adhoc.county_id,
        "kind": Kind.ADHOC,
        "period": str(adhoc.pk),
        "due_at": adhoc.due_at,
        "grace_end": adhoc.grace_end,
        "counts": selectors.status_counts(rows),
        "rows": [
            {
                "station_code": r.code,
                "station_name": r.name,
                "township": r.township,
                "status": r.status,
                "status_label": str(r.status_label),
                "first_submitted_at": r.first_submitted_at,
                "version": r.version,
            }
            for r in rows
        ],
    }


def _adhoc_report_out(request, pk: int) -> dict[str, Any]:
    report = selectors.adhoc_report_for_user_or_404(request.user, pk)
    adhoc = report.request
    if report.version:
        document = report.versions.get(number=report.version).data
    else:
        lines = []
        if adhoc.period_start and adhoc.period_end:
            lines = drafts.apply_corrections(
                drafts.build_lines(report.station_id, adhoc.period_start, adhoc.period_end), report.pending_corrections
            )
        document = drafts.document(
            station_code=report.station.code,
            kind=Kind.ADHOC,
            start=report.period_start,
            end=report.period_end,
            lines=lines,
        )
    return {
        "station": report.station.code,
        "kind": Kind.ADHOC,
        "period": str(adhoc.pk),
        "status": selectors.report_status_now(report, adhoc.created_at),
        "due_at": report.due_at,
        "grace_end": report.grace_end,
        "first_submitted_at": report.first_submitted_at,
        "version": report.version,
        "revision": report.revision,
        "document": document,
        "pending_corrections": report.pending_corrections,
    }


@router.get("/adhoc/reports/{int:pk}", response=ReportOut, summary="一个站点的临时报表（草稿或已提交版本）")
def adhoc_report_get(request, pk: int):
    request.user.scope.require("report.view")
    return _adhoc_report_out(request, pk)


@router.post(
    "/adhoc/reports/{int:pk}/submit",
    response={200: ReportOut, 409: ConflictOut},
    summary="提交临时报表（已提交后为更正，生成新版本并须填写理由）",
    description="须交回读取报表时得到的 revision；报表在此之后已被他人修改则答 409，不做任何修改。",
)
def adhoc_report_submit(request, pk: int, payload: SubmitIn):
    user = request.user
    user.scope.require("report.submit")
    report = selectors.adhoc_report_for_user_or_404(user, pk)
    try:
        _submit(user, report, payload)
    except EditConflict as exc:
        return Reply(409, {"detail": exc.message})
    return _adhoc_report_out(request, pk)


class ReportSettingsOut(Schema):
    county: str = Field(..., alias="county_id")
    monthly_due_day: int = Field(..., description="月报截止日（次月几日，1–28）")
    monthly_grace_months: int = Field(..., description="月报宽限（至次后第几个月末，1–3）")
    weekly_enabled: bool = Field(..., description="启用周报")
    weekly_due_days: int = Field(..., description="周报截止（周日后第几天，1–6）")
    weekly_grace_days: int = Field(..., description="周报宽限（周日后第几天，1–28）")
    adhoc_grace_days: int = Field(..., description="临时报表默认宽限（天，0–60）")


class ReportSettingsIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    monthly_due_day: int
    monthly_grace_months: int
    weekly_enabled: bool
    weekly_due_days: int
    weekly_grace_days: int
    adhoc_grace_days: int


@router.get("/settings", response=ReportSettingsOut, summary="县级报表参数（未设定时为默认值）")
def report_settings_get(request, county: str | None = None):
    request.user.scope.require("county_settings.manage")
    region = county_for_user(request.user, county)
    return ReportSettings.for_county(region.code)


@router.put("/settings", response=ReportSettingsOut, summary="设定县级报表参数（截止日、宽限、是否启用周报）")
def report_settings_put(request, payload: ReportSettingsIn):
    request.user.scope.require("county_settings.manage")
    values = payload.dict()
    region = county_for_user(request.user, values.pop("county"))
    return services.report_settings_update(acting_user=request.user, county=region, **values)


class TransmissionOut(Schema):
    id: int
    county_id: str
    kind: str
    period: str
    format_version: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class UpwardIn(Schema):
    county: str
    kind: str
    period: str = ""


@router.get("/upward", response=list[TransmissionOut], summary="上报记录")
def upward_list(request):
    request.user.scope.require("upward.export")
    return list(selectors.transmissions_for_user(request.user)[:200])


@router.post("/upward", response={201: TransmissionOut}, summary="生成上报文件（cunzhan-upward/1）")
def upward_prepare(request, payload: UpwardIn):
    user = request.user
    user.scope.require("upward.export")
    if payload.kind not in ("register", "statistics"):
        raise ValidationError({"kind": ["类型应为 register（认定站点名录）或 statistics（月度统计）。"]})
    county = _county(request, payload.county)
    period = ""
    if payload.kind == "statistics":
        year, month = _month(payload.period or None)
        period = f"{year}-{month:02d}"
    return Reply(201, services.upward_prepare(acting_user=user, county=county, kind=payload.kind, period=period))


@router.get("/upward/{pk}/payload", summary="上报内容（JSON，与报送时一致）")
def upward_payload(request, pk: int):
    request.user.scope.require("upward.export")
    return selectors.transmission_for_user_or_404(request.user, pk).payload


@router.post(
    "/upward/{pk}/send",
    response={202: JobStartedOut},
    summary="报送或重新报送",
    description="交给后台任务报送：平台无响应时按 1、2、4… 分钟退避重试（最多 5 次）；结果见后台任务和上报记录。",
)
def upward_send(request, pk: int):
    user = request.user
    user.scope.require("upward.export")
    transmission = selectors.transmission_for_user_or_404(user, pk)
    if not getattr(django_settings, "UPWARD_ENDPOINT", ""):
        raise ValidationError(_("未配置上级平台报送地址（UPWARD_ENDPOINT），请下载文件后手动报送。"))
    job = job_enqueue(
        kind="reports.upward_send",
        params={"transmission": transmission.pk, "label": _("向上级平台报送")},
        acting_user=user,
        county_code=transmission.county_id,
        max_attempts=UPWARD_ATTEMPTS,
    )
    return Reply(202, {"job": job.pk, "status_url": f"/api/v1/jobs/{job.pk}"})


__all__ = ["exporters", "router"]
