"""How many reports a user's stations filed late, missed, or have overdue, over one or several
windows and counties at once: set-based, one grouped query per kind of report, scoped to the user.
The boards (cunzhan.dashboards) show these beside the ledger figures."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from cunzhan.core import dates
from cunzhan.reports.models import Kind, Report, ReportSettings
from cunzhan.reports.status import periods_due_between
from cunzhan.stations.models import CERTIFIED_STATUSES, Station


def _stations(user: Any, county_codes: list[str]) -> QuerySet[Station]:
    return user.scope.filter(Station.objects.filter(county_code__in=county_codes))


@dataclass
class ReportCounts:
    late: int = 0
    missed: int = 0
    overdue: int = 0  # due time passed, still within the grace window


def report_counts(user: Any, county_code: str, start: date, end: date, *, now: datetime | None = None) -> ReportCounts:
    """Late, missed and overdue reports among the periods (weekly, monthly, ad-hoc) due in
    [start, end] up to now."""
    return report_counts_by_window(user, county_code, [(start, end)], now=now)[0]


def report_counts_by_window(
    user: Any, county_code: str, windows: list[tuple[date, date]], *, now: datetime | None = None
) -> list[ReportCounts]:
    """:func:`report_counts` for several windows at once: one query for the stations, one grouped
    over the periodic report rows of all windows, one per window for the ad-hoc rows. A station that
    owes a report and has no row counts as overdue or missed."""
    now = now or timezone.now()
    today = dates.local_date(now)
    windows = [(start, min(end, today)) for start, end in windows]
    results = [ReportCounts() for _w in windows]
    live = [(start, end) for start, end in windows if start <= end]
    if not live:
        return results
    settings = ReportSettings.for_county(county_code)
    first, last = min(w[0] for w in live), max(w[1] for w in live)
    periods = [p for p in periods_due_between(settings, first, last) if p.due_at < now]
    obliged = list(
        _stations(user, [county_code])
        .filter(status__in=CERTIFIED_STATUSES)
        .values_list("pk", "certified_at")
        .order_by()
    )
    ids = [pk for pk, _c in obliged]
    late = Q(first_submitted_at__gt=F("due_at"), first_submitted_at__lte=F("grace_end"))
    missed = Q(first_submitted_at__gt=F("grace_end")) | Q(first_submitted_at__isnull=True, grace_end__lt=now)
    overdue = Q(first_submitted_at__isnull=True, due_at__lt=now, grace_end__gte=now)
    measures = {
        "n": Count("pk"),
        "late": Count("pk", filter=late),
        "missed": Count("pk", filter=missed),
        "overdue": Count("pk", filter=overdue),
    }
    per_period: list[tuple[date, ReportCounts]] = []
    if periods and ids:
        wanted = {(p.kind, p.start): p for p in periods}
        rows = (
            Report.objects.filter(
                county_code=county_code,
                request__isnull=True,
                station_id__in=ids,
                kind__in=[Kind.MONTHLY, Kind.WEEKLY],
                period_start__in={p.start for p in periods},
            )
            .values("kind", "period_start")
            .annotate(**measures)
            .order_by()
        )
        found = {(r["kind"], r["period_start"]): r for r in rows}
        certified = sorted(c for _pk, c in obliged if c is not None)
        uncertified = len(obliged) - len(certified)
        for key, period in wanted.items():
            owed = uncertified + bisect_left(certified, period.opens_at)
            r = found.get(key, {"n": 0, "late": 0, "missed": 0, "overdue": 0})
            counts = ReportCounts(late=r["late"], missed=r["missed"], overdue=r["overdue"])
            without_row = max(0, owed - r["n"])
            if now > period.grace_end:
                counts.missed += without_row
            else:
                counts.overdue += without_row
            per_period.append((dates.local_date(period.due_at), counts))
    adhoc_rows = user.scope.filter(Report.objects.filter(county_code=county_code, kind=Kind.ADHOC))
    for (start, end), total in zip(windows, results, strict=True):
        if start > end:
            continue
        for due, counts in per_period:
            if start <= due <= end:
                total.late += counts.late
                total.missed += counts.missed
                total.overdue += counts.overdue
        adhoc = adhoc_rows.filter(due_at__gte=dates.day_start(start), due_at__lte=dates.day_end(end)).aggregate(
            **measures
        )
        total.late += adhoc["late"] or 0
        total.missed += adhoc["missed"] or 0
        total.overdue += adhoc["overdue"] or 0
    return results


def report_counts_many(
    user: Any, county_codes: list[str], start: date, end: date, *, now: datetime | None = None
) -> dict[str, ReportCounts]:
    """:func:`report_counts` for many counties (a province's roll-up), the same numbers: one query for
    the stations, one for the ad-hoc rows, one for the periodic rows per distinct set of county report
    settings (normally one), instead of three or four per county."""
    now = now or timezone.now()
    end = min(end, dates.local_date(now))
    results = {code: ReportCounts() for code in county_codes}
    if start > end or not county_codes:
        return results
    saved = {s.county_id: s for s in ReportSettings.objects.filter(county_id__in=county_codes)}
    groups: dict[tuple, list[str]] = {}
    for code in county_codes:
        settings = saved.get(code) or ReportSettings(county_id=code)
        key = tuple(getattr(settings, f) for f in SETTINGS_FIELDS)
        groups.setdefault(key, []).append(code)
    obliged: dict[str, list] = {code: [] for code in county_codes}
    for code, certified in (
        _stations(user, county_codes)
        .filter(status__in=CERTIFIED_STATUSES)
        .values_list("county_code", "certified_at")
        .order_by()
    ):
        obliged[code].append(certified)
    measures = _report_measures(now)
    for key, codes in groups.items():
        settings = ReportSettings(**dict(zip(SETTINGS_FIELDS, key, strict=True)))
        periods = [p for p in periods_due_between(settings, start, end) if p.due_at < now]
        if not periods:
            continue
        rows = (
            Report.objects.filter(
                county_code__in=codes,
                request__isnull=True,
                station__in=_stations(user, codes).filter(status__in=CERTIFIED_STATUSES),
                kind__in=[Kind.MONTHLY, Kind.WEEKLY],
                period_start__in={p.start for p in periods},
            )
            .values("county_code", "kind", "period_start")
            .annotate(**measures)
            .order_by()
        )
        found = {(r["county_code"], r["kind"], r["period_start"]): r for r in rows}
        for code in codes:
            certified = sorted(c for c in obliged[code] if c is not None)
            uncertified = len(obliged[code]) - len(certified)
            if not obliged[code]:
                continue
            total = results[code]
            for period in periods:
                owed = uncertified + bisect_left(certified, period.opens_at)
                r = found.get((code, period.kind, period.start), {"n": 0, "late": 0, "missed": 0, "overdue": 0})
                total.late += r["late"]
                total.missed += r["missed"]
                total.overdue += r["overdue"]
                without_row = max(0, owed - r["n"])
                if now > period.grace_end:
                    total.missed += without_row
                else:
                    total.overdue += without_row
    adhoc = (
        user.scope.filter(Report.objects.filter(county_code__in=county_codes, kind=Kind.ADHOC))
        .filter(due_at__gte=dates.day_start(start), due_at__lte=dates.day_end(end))
        .values("county_code")
        .annotate(**measures)
        .order_by()
    )
    for r in adhoc:
        total = results[r["county_code"]]
        total.late += r["late"] or 0
        total.missed += r["missed"] or 0
        total.overdue += r["overdue"] or 0
    return results


SETTINGS_FIELDS = ("monthly_due_day", "monthly_grace_months", "weekly_enabled", "weekly_due_days", "weekly_grace_days")


def _report_measures(now: datetime) -> dict[str, Count]:
    late = Q(first_submitted_at__gt=F("due_at"), first_submitted_at__lte=F("grace_end"))
    missed = Q(first_submitted_at__gt=F("grace_end")) | Q(first_submitted_at__isnull=True, grace_end__lt=now)
    overdue = Q(first_submitted_at__isnull=True, due_at__lt=now, grace_end__gte=now)
    return {
        "n": Count("pk"),
        "late": Count("pk", filter=late),
        "missed": Count("pk", filter=missed),
        "overdue": Count("pk", filter=overdue),
    }
