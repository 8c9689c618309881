"""Late and missed reports for the assessment (item 6, 统计数据上报情况).

``report_lapses_many(county_codes, start, end, now) -> dict[int, list[ReportLapse]]``

Lists, per station, the weekly, monthly and ad-hoc reports whose **due time falls on a Shanghai
calendar date in [start, end]** and that were:

* late (迟报): first submitted after the due time and no later than the grace end;
* missed (漏报): the grace window has ended at ``now`` and nothing was submitted within it — with or
  without a report row (rows are created lazily, so "no row" is the common case). A report first
  submitted after the grace end is missed, not late.

Monthly and weekly reports are owed by every station that is certified, in incubation, operating
or rectifying (its current status) and was certified before the period ended; weekly ones only when
the county has weekly reports enabled. Ad-hoc reports are owed by the stations the request named.
Corrections never change the lapses: lateness is measured by the first submission.

Each lapse carries what its explanation line shows: the period, the due time and the submission time.
``report_facts`` counts them. Two queries per group of counties sharing their reporting settings, plus
one for the settings (and, for the counts, one for the stations that owe reports), whatever the number of
stations or periods; only lapses are read back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Value

from cunzhan.core import dates
from cunzhan.reports.models import Kind, Report, ReportSettings
from cunzhan.reports.status import ReportPeriod, periods_due_between
from cunzhan.stations.models import CERTIFIED_STATUSES, Station

LATE, MISSED = "late", "missed"


@dataclass(frozen=True, slots=True)
class ReportLapse:
    kind: str  # a Kind value
    status: str  # LATE or MISSED
    period_start: date
    slug: str  # the period's page ("2025-03", "2025-W12"); "" for an ad-hoc report
    report_id: int | None  # None: the station never opened the report
    due_at: datetime
    submitted_at: datetime | None  # the first submission (after the grace end for a missed one), None if never
    title: str = ""  # an ad-hoc request's title


def _periods_q(periods: list[ReportPeriod]) -> Q:
    q = Q(pk__in=[])
    for kind in (Kind.MONTHLY, Kind.WEEKLY):
        starts = [p.start for p in periods if p.kind == kind]
        if starts:
            q |= Q(kind=kind, period_start__in=starts)
    return q


def report_facts(county_code: str, start: date, end: date, now: datetime) -> dict[int, dict[str, int]]:
    """Late and missed counts of one county's stations (see the module docstring)."""
    return report_facts_many([county_code], start, end, now)


def report_facts_many(county_codes, start: date, end: date, now: datetime) -> dict[int, dict[str, int]]:
    """The lapses counted, ``{"late": n, "missed": n}`` by station id: every station that owes reports (a
    certified status) is listed, with zeros when it reported on time, and every station with a lapse."""
    codes = sorted({code[:6] for code in county_codes})
    facts: dict[int, dict[str, int]] = {}
    for settings, group in _groups(codes):
        for pk in _stations(group).order_by().values_list("pk", flat=True):
            facts[pk] = {LATE: 0, MISSED: 0}
        for station_id, lapses in _group_lapses(group, settings, start, end, now).items():
            counts = facts.setdefault(station_id, {LATE: 0, MISSED: 0})
            for lapse in lapses:
                counts[lapse.status] += 1
    return facts


def report_lapses_many(county_codes, start: date, end: date, now: datetime) -> dict[int, list[ReportLapse]]:
    """The late and missed reports of many counties' stations, by station id (ids are unique across counties).
    Counties sharing the same :class:`ReportSettings` values (by default all of them) take the same queries as
    one county, filtered by ``county_code IN (…)``."""
    codes = sorted({code[:6] for code in county_codes})
    lapses: dict[int, list[ReportLapse]] = {}
    for settings, group in _groups(codes):
        lapses.update(_group_lapses(group, settings, start, end, now))
    return lapses


def _settings_key(settings: ReportSettings) -> tuple:
    """The values that decide a county's report periods (everything but the county and the edit time)."""
    fields = ReportSettings._meta.concrete_fields
    return tuple(getattr(settings, f.attname) for f in fields if f.name not in ("county", "updated_at"))


def _groups(codes: list[str]) -> list[tuple[ReportSettings, list[str]]]:
    """The counties grouped by their reporting settings (one query)."""
    saved = {s.county_id: s for s in ReportSettings.objects.filter(county_id__in=codes)}
    groups: dict[tuple, tuple[ReportSettings, list[str]]] = {}
    for code in codes:
        settings = saved.get(code) or ReportSettings(county_id=code)
        groups.setdefault(_settings_key(settings), (settings, []))[1].append(code)
    return list(groups.values())


def _stations(codes: list[str]) -> QuerySet[Station]:
    return Station.objects.filter(county_code__in=codes, status__in=CERTIFIED_STATUSES)


def _group_lapses(
    codes: list[str], settings: ReportSettings, start: date, end: date, now: datetime
) -> dict[int, list[ReportLapse]]:
    """The two queries of :func:`report_lapses_many` for counties sharing ``settings``: the report rows that
    are (or may be) lapses, and the closed periods owed without a row kept within its grace."""
    periods = periods_due_between(settings, start, end)
    closed = [p for p in periods if p.grace_end < now]
    by_start = {(p.kind, p.start): p for p in periods}
    lapses: dict[int, list[ReportLapse]] = defaultdict(list)

    within_grace = Q(first_submitted_at__isnull=False, first_submitted_at__lte=F("grace_end"))
    late = Q(first_submitted_at__gt=F("due_at")) & within_grace
    periodic = Q(request__isnull=True)
    adhoc = Q(kind=Kind.ADHOC, due_at__gte=dates.day_start(start), due_at__lte=dates.day_end(end))
    # 1. rows: periodic reports late, and those of closed periods not kept within their grace (opened, or
    # first submitted after it: missed if the station owed them, below); ad-hoc ones late or missed
    rows = (
        Report.objects.filter(county_code__in=codes)
        .filter(
            (periodic & _periods_q(periods) & late)
            | (periodic & _periods_q(closed) & ~within_grace)
            | (adhoc & (late | (Q(grace_end__lt=now) & ~within_grace)))
        )
        .order_by("due_at", "pk")
        .values_list(
            "pk", "station_id", "kind", "period_start", "due_at", "grace_end", "first_submitted_at", "request__title"
        )
    )
    unkept: dict[tuple[int, str, date], tuple[int, datetime | None]] = {}
    for pk, station_id, kind, period_start, due_at, grace_end, submitted_at, title in rows:
        is_late = submitted_at is not None and due_at < submitted_at <= grace_end
        if kind != Kind.ADHOC and not is_late:
            unkept[(station_id, kind, period_start)] = (pk, submitted_at)
            continue
        period = by_start.get((kind, period_start))
        lapses[station_id].append(
            ReportLapse(
                kind=kind,
                status=LATE if is_late else MISSED,
                period_start=period_start,
                slug=period.slug if period and kind != Kind.ADHOC else "",
                report_id=pk,
                due_at=due_at,
                submitted_at=submitted_at,
                title=title or "",
            )
        )

    # 2. periodic reports missed: per closed period, the stations owing it without a row kept within its grace
    # (one query, a UNION ALL of one anti-join per period), with the row they have, if any, from above
    if closed:
        owed = []
        for index, period in enumerate(closed):
            kept = Report.objects.filter(
                within_grace, station=OuterRef("pk"), request__isnull=True, kind=period.kind, period_start=period.start
            )
            owed.append(
                _stations(codes)
                .filter(Q(certified_at__isnull=True) | Q(certified_at__lt=period.opens_at))
                .filter(~Exists(kept))
                .order_by()
                .values_list("pk", Value(index, output_field=IntegerField()))
            )
        query = owed[0].union(*owed[1:], all=True) if len(owed) > 1 else owed[0]
        # a period missed without a row is the same lapse for every station: made once (a province's stations
        # that never filed a weekly report are hundreds of thousands of lapses)
        never = [
            ReportLapse(p.kind, MISSED, p.start, p.slug, report_id=None, due_at=p.due_at, submitted_at=None)
            for p in closed
        ]
        for station_id, index in query:
            period = closed[index]
            row = unkept.get((station_id, period.kind, period.start)) if unkept else None
            lapse = never[index]
            if row is not None:
                lapse = ReportLapse(
                    period.kind,
                    MISSED,
                    period.start,
                    period.slug,
                    report_id=row[0],
                    due_at=period.due_at,
                    submitted_at=row[1],
                )
            lapses[station_id].append(lapse)
    for station_lapses in lapses.values():
        station_lapses.sort(key=lambda lapse: (lapse.due_at, lapse.kind))
    return lapses
