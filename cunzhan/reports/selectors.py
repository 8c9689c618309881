"""Every read of reports that a page, API, export or command uses, scoped to the user.

Status lists are set-based: the stations that owe a report are left-joined to their report rows
in one query and the status is a CASE over the timestamps (:func:`status_expression`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, FilteredRelation, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.core import dates
from cunzhan.regions.models import township_of
from cunzhan.reports.models import AdhocRequest, Kind, Report, ReportSettings, UpwardTransmission
from cunzhan.reports.status import (
    ReportPeriod,
    ReportStatus,
    monthly_period,
    period_from_slug,
    status_expression,
    status_of,
    weekly_period,
)
from cunzhan.stations.models import CERTIFIED_STATUSES, Station

# -- obligations and status boards ----------------------------------------------------------------


def owing_stations(county_code: str | list[str], period_end: date) -> QuerySet[Station]:
    """The county's (or counties') stations that owe a report for a period ending on ``period_end``:
    certified, in incubation, operating or rectifying, and certified before the period ended. Not scoped:
    the reminders read it for every county at once (cunzhan.notices); a user's pages read
    :func:`obliged_stations`."""
    codes = [county_code] if isinstance(county_code, str) else county_code
    stations = Station.objects.filter(county_code__in=codes, status__in=CERTIFIED_STATUSES)
    return stations.filter(
        Q(certified_at__isnull=True) | Q(certified_at__lt=dates.day_start(period_end + timedelta(days=1)))
    )


def obliged_stations(user: User, county_code: str, period_end: date) -> QuerySet[Station]:
    """:func:`owing_stations` in the user's scope."""
    return user.scope.filter(owing_stations(county_code, period_end))


def with_report_status(stations: QuerySet[Station], period: ReportPeriod, *, now: datetime) -> QuerySet[Any]:
    """The stations, each with its report for the period left-joined as ``rep`` and its status
    (:func:`status_expression`) as ``report_status``: the board's rule for a whole county in one query.
    (Typed loosely: the type checker's Django plugin knows the model's fields, not these annotations.)"""
    return stations.annotate(
        rep=FilteredRelation(
            "reports",
            condition=Q(reports__kind=period.kind, reports__period_start=period.start, reports__request__isnull=True),
        )
    ).annotate(
        report_status=status_expression(
            now=now,
            opens_at=period.opens_at,
            submitted="rep__first_submitted_at",
            due=Coalesce(F("rep__due_at"), period.due_at),
            grace=Coalesce(F("rep__grace_end"), period.grace_end),
        )
    )


@dataclass
class BoardRow:
    station_id: int
    code: str
    name: str
    township: str
    report_id: int | None
    first_submitted_at: datetime | None
    version: int
    status: str

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label)


def period_board(user: User, county_code: str, period: ReportPeriod, *, now: datetime | None = None) -> list[BoardRow]:
    """One row per obliged station: its report (or none) and status, in one query."""
    now = now or timezone.now()
    rows = (
        with_report_status(obliged_stations(user, county_code, period.end), period, now=now)
        .values(
            "pk",
            "code",
            "name",
            "region_id",
            "region__name",
            "region__parent__name",
            "rep__id",
            "rep__first_submitted_at",
            "rep__version",
            "report_status",
        )
        .order_by("code")
    )
    return [
        BoardRow(
            station_id=r["pk"],
            code=r["code"],
            name=r["name"],
            township=township_of(r["region_id"], r["region__name"], r["region__parent__name"]),
            report_id=r["rep__id"],
            first_submitted_at=r["rep__first_submitted_at"],
            version=r["rep__version"] or 0,
            status=r["report_status"],
        )
        for r in rows
    ]


def status_counts(rows: list[BoardRow]) -> dict[str, int]:
    counts = Counter(row.status for row in rows)
    return {status.value: counts.get(status.value, 0) for status in ReportStatus}


def adhoc_board(user: User, request: AdhocRequest, *, now: datetime | None = None) -> list[BoardRow]:
    now = now or timezone.now()
    rows = (
        user.scope.filter(Report.objects.filter(request=request))
        .annotate(
            report_status=status_expression(
                now=now, opens_at=request.created_at, submitted="first_submitted_at", due="due_at", grace="grace_end"
            )
        )
        .values(
            "pk",
            "station_id",
            "station__code",
            "station__name",
            "station__region_id",
            "station__region__name",
            "station__region__parent__name",
            "first_submitted_at",
            "version",
            "report_status",
        )
        .order_by("station__code")
    )
    return [
        BoardRow(
            station_id=r["station_id"],
            code=r["station__code"],
            name=r["station__name"],
            township=township_of(
                r["station__region_id"], r["station__region__name"], r["station__region__parent__name"]
            ),
            report_id=r["pk"],
            first_submitted_at=r["first_submitted_at"],
            version=r["version"],
            status=r["report_status"],
        )
        for r in rows
    ]


# -- one station's reports -----------------------------------------------------------------------


@dataclass
class Obligation:
    period: ReportPeriod
    report: Report | None
    status: str

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label)


def report_page(user: User, station_code: str, kind: str, slug: str) -> tuple[Station, ReportPeriod, Report | None]:
    """The station (404 outside the scope), the period (ValueError when malformed) and its report row."""
    station = user.scope.get_or_404(Station.objects.select_related("region"), code=station_code)
    period = period_from_slug(ReportSettings.for_county(station.county_code), kind, slug)
    report = (
        Report.objects.filter(station=station, kind=kind, period_start=period.start, request__isnull=True)
        .select_related("first_submitted_by")
        .first()
    )
    return station, period, report


def adhoc_report_for_user_or_404(user: User, pk: int) -> Report:
    return user.scope.get_or_404(
        Report.objects.select_related("station", "request", "first_submitted_by"), pk=pk, kind=Kind.ADHOC
    )


def report_status_now(report: Report, opens_at: datetime, *, now: datetime | None = None) -> str:
    return status_of(
        opens_at=opens_at,
        due_at=report.due_at,
        grace_end=report.grace_end,
        first_submitted_at=report.first_submitted_at,
        now=now or timezone.now(),
    )


def station_obligations(
    station: Station, *, now: datetime | None = None, months: int = 12, weeks: int = 8
) -> list[Obligation]:
    """The station's recent monthly and weekly reports, newest first, with one query for the rows."""
    now = now or timezone.now()
    settings = ReportSettings.for_county(station.county_code)
    today = dates.local_date(now)
    periods = [monthly_period(settings, *dates.add_months(today.year, today.month, -i)) for i in range(months)]
    if settings.weekly_enabled:
        periods += [weekly_period(settings, *dates.iso_week_of(today - timedelta(weeks=i))) for i in range(weeks)]
    certified = station.certified_at
    periods = [p for p in periods if certified is None or certified < p.opens_at]
    rows = {
        (r.kind, r.period_start): r
        for r in Report.objects.filter(
            station=station, request__isnull=True, period_start__gte=min((p.start for p in periods), default=today)
        )
    }
    result = []
    for period in periods:
        report = rows.get((period.kind, period.start))
        due, grace = (report.due_at, report.grace_end) if report else (period.due_at, period.grace_end)
        status = status_of(
            opens_at=period.opens_at,
            due_at=due,
            grace_end=grace,
            first_submitted_at=report.first_submitted_at if report else None,
            now=now,
        )
        result.append(Obligation(period=period, report=report, status=status))
    result.sort(key=lambda o: o.period.end, reverse=True)
    return result


def station_adhoc_reports(user: User, station: Station) -> QuerySet[Report]:
    return user.scope.filter(
        Report.objects.filter(station=station, kind=Kind.ADHOC).select_related("request").order_by("-due_at")
    )


def adhoc_reports_for_user(user: User) -> QuerySet[Report]:
    """The ad-hoc reports in the user's scope (a keeper's: its own station's), newest due first."""
    user.scope.require("report.view")
    return user.scope.filter(
        Report.objects.filter(kind=Kind.ADHOC).select_related("station", "request").order_by("-due_at", "pk")
    )


# -- ad-hoc requests and transmissions ------------------------------------------------------------


def adhoc_requests_for_user(user: User) -> QuerySet[AdhocRequest]:
    return user.scope.filter(AdhocRequest.objects.select_related("county", "created_by"))


def adhoc_request_for_user_or_404(user: User, pk: int) -> AdhocRequest:
    return user.scope.get_or_404(AdhocRequest.objects.select_related("county", "created_by"), pk=pk)


def transmissions_for_user(user: User) -> QuerySet[UpwardTransmission]:
    return user.scope.filter(UpwardTransmission.objects.select_related("county", "created_by"))


def transmission_for_user_or_404(user: User, pk: int) -> UpwardTransmission:
    return user.scope.get_or_404(UpwardTransmission.objects.select_related("county"), pk=pk)


def adhoc_requests_due_between(start: datetime, end: datetime) -> QuerySet[AdhocRequest]:
    """Every county's ad-hoc requests due in [start, end]; unscoped (the reminders of cunzhan.notices)."""
    return AdhocRequest.objects.filter(due_at__gte=start, due_at__lte=end).order_by("due_at", "pk")


def adhoc_unsubmitted(request: AdhocRequest) -> QuerySet[Report]:
    """The request's reports not yet submitted (pending, or missed once its grace has ended)."""
    return Report.objects.filter(request=request, first_submitted_at__isnull=True)
