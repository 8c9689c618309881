"""Late and missed report counts for the assessment (item 6, 统计数据上报情况).

``report_facts(county_code: str, start: date, end: date, now: datetime) -> dict[int, {"late": int, "missed": int}]``

Counts, per station of the county, the weekly, monthly and ad-hoc reports whose **due time falls on a
Shanghai calendar date in [start, end]**:

* late (迟报): first submitted after the due time and no later than the grace end;
* missed (漏报): the grace window has ended at ``now`` and nothing was submitted within it — with or
  without a report row (rows are created lazily, so "no row" is the common case). A report first
  submitted after the grace end is missed, not late.

Monthly and weekly reports are owed by every station that is certified, in incubation, operating
or rectifying (its current status) and was certified before the period ended; weekly ones only when
the county has weekly reports enabled. Ad-hoc reports are owed by the stations the request named.
Corrections never change the counts: lateness is measured by the first submission.

Three aggregate queries in all, whatever the number of stations or periods: no per-station loop.
Stations owing nothing in the range are absent from the result only if they also have no report;
every station owing something appears, with zeros when it reported on time.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When

from cunzhan.core import dates
from cunzhan.reports.models import Kind, Report, ReportSettings
from cunzhan.reports.status import ReportPeriod, periods_due_between
from cunzhan.stations.models import CERTIFIED_STATUSES, Station


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


def _settings_key(settings: ReportSettings) -> tuple:
    """The values that decide a county's report periods (everything but the county and the edit time)."""
    fields = ReportSettings._meta.concrete_fields
    return tuple(getattr(settings, f.attname) for f in fields if f.name not in ("county", "updated_at"))


def report_facts_many(county_codes, start: date, end: date, now: datetime) -> dict[int, dict[str, int]]:
    """:func:`report_facts` for many counties at once, by station id (station ids are unique across counties).

    Counties sharing the same :class:`ReportSettings` values (by default all of them) form one group, and
    each group takes the same three aggregate queries as one county, filtered by ``county_code IN (…)``;
    plus one query for the settings. The counts are those :func:`report_facts` gives county by county.
    """
    codes = sorted({code[:6] for code in county_codes})
    saved = {s.county_id: s for s in ReportSettings.objects.filter(county_id__in=codes)}
    groups: dict[tuple, tuple[ReportSettings, list[str]]] = {}
    for code in codes:
        settings = saved.get(code) or ReportSettings(county_id=code)
        groups.setdefault(_settings_key(settings), (settings, []))[1].append(code)
    facts: dict[int, dict[str, int]] = {}
    for settings, group in groups.values():
        facts.update(_group_report_facts(group, settings, start, end, now))
    return facts


def _group_report_facts(
    codes: list[str], settings: ReportSettings, start: date, end: date, now: datetime
) -> dict[int, dict[str, int]]:
    """The three queries of :func:`report_facts` for counties sharing ``settings``."""
    periods = periods_due_between(settings, start, end)
    closed = [p for p in periods if p.grace_end < now]
    facts: dict[int, dict[str, int]] = {}
    stations = Station.objects.filter(county_code__in=codes, status__in=CERTIFIED_STATUSES)

    # 1. how many closed periods each station owed
    if closed:
        owed_expr = sum(
            (
                Case(
                    When(Q(certified_at__isnull=True) | Q(certified_at__lt=p.opens_at), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
                for p in closed
            ),
            Value(0, output_field=IntegerField()),
        )
        owed = dict(stations.order_by().annotate(owed=owed_expr).values_list("pk", "owed"))
    else:
        owed = dict.fromkeys(stations.order_by().values_list("pk", flat=True), 0)

    # 2. monthly and weekly rows: late ones, and those submitted within the grace of closed periods
    within_grace = Q(first_submitted_at__isnull=False, first_submitted_at__lte=F("grace_end"))
    late = Q(first_submitted_at__gt=F("due_at")) & within_grace
    periodic = {
        row["station_id"]: row
        for row in Report.objects.filter(county_code__in=codes, request__isnull=True)
        .filter(_periods_q(periods))
        .values("station_id")
        .annotate(
            late=Count("id", filter=late),
            kept=Count("id", filter=within_grace & _periods_q(closed)),
        )
        .order_by()
    }
    for station_id, n in owed.items():
        row = periodic.get(station_id, {"late": 0, "kept": 0})
        facts[station_id] = {"late": row["late"], "missed": max(0, n - row["kept"])}
    for station_id, row in periodic.items():
        facts.setdefault(station_id, {"late": row["late"], "missed": 0})

    # 3. ad-hoc rows (they exist for every station a request named)
    closed_grace = Q(grace_end__lt=now)
    adhoc = (
        Report.objects.filter(
            county_code__in=codes,
            kind=Kind.ADHOC,
            due_at__gte=dates.day_start(start),
            due_at__lte=dates.day_end(end),
        )
        .values("station_id")
        .annotate(
            late=Count("id", filter=late),
            missed=Sum(
                Case(
                    When(closed_grace & ~within_grace, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
        .order_by()
    )
    for row in adhoc:
        entry = facts.setdefault(row["station_id"], {"late": 0, "missed": 0})
        entry["late"] += row["late"]
        entry["missed"] += row["missed"] or 0
    return facts
