"""Every figure a dashboard shows, computed set-based and scoped to the user.

Ledger figures come from the maintained monthly aggregates (:class:`StationMonth`), refreshed
for the county first; report lateness from one grouped query over the report rows; zombies,
rectifications and grades from their apps' selectors. No query runs per station or per month.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.assessment.models import Assessment, AssessmentResult, RectificationOutcome
from cunzhan.assessment.models import Status as AssessmentStatus
from cunzhan.assessment.selectors import rectifications_for_user
from cunzhan.core import dates
from cunzhan.core.money import round_money
from cunzhan.core.recent import recently_counted
from cunzhan.ledgers.aggregates import refresh_counties, refresh_county
from cunzhan.ledgers.models import Direction, Parcel, StationMonth
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import county_choices
from cunzhan.reports.models import Kind, Report, ReportSettings
from cunzhan.reports.statistics import Figures
from cunzhan.reports.status import periods_due_between
from cunzhan.stations.models import CERTIFIED_STATUSES, Station
from cunzhan.stations.selectors import faults_for_user, zombie_stations_for_user

STORED = [
    "purchase_orders",
    "purchase_amount",
    "sale_orders",
    "sale_amount",
    "farm_orders",
    "farm_amount",
    "parcels_in",
    "parcels_out",
    "services",
    "services_amount",
]
BACKLOG_HOURS = 48


def _sums() -> dict[str, Sum]:
    return {name: Sum(name) for name in STORED}


def figures_of(row: dict[str, Any]) -> Figures:
    # amounts to 2 places whatever the database returns for a sum (SQLite drops trailing zeros)
    f = Figures(
        **{name: round_money(row.get(name)) if name.endswith("amount") else row.get(name) or 0 for name in STORED}
    )
    f.goods_orders, f.goods_amount = f.sale_orders - f.farm_orders, f.sale_amount - f.farm_amount
    return f


# -- where and when ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The month asked about and the year to date ending with it."""

    year: int
    month: int

    @property
    def month_start(self) -> date:
        return dates.month_first(self.year, self.month)

    @property
    def end(self) -> date:
        return dates.month_last(self.year, self.month)

    @property
    def year_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return _("%(year)d年%(month)d月") % {"year": self.year, "month": self.month}

    @classmethod
    def parse(cls, text: str | None, *, now: datetime | None = None) -> Window:
        if text:
            try:
                return cls(*dates.parse_month(text))
            except ValueError:
                pass
        today = dates.local_date(now or timezone.now())
        return cls(today.year, today.month)


def counties_for_user(user: Any) -> list[Region]:
    return county_choices(user)


def resolve_county(user: Any, requested: str | None, *, choices: list[Region] | None = None) -> Region | None:
    """The requested county when the user may see it; the only county of a user bound to one.
    ``choices``: the user's :func:`counties_for_user`, when the caller has them already."""
    if choices is None:
        choices = counties_for_user(user)
    for county in choices:
        if county.code == requested:
            return county
    return choices[0] if len(choices) == 1 else None


def scoped_stations(user: Any, county_codes: list[str]) -> QuerySet[Station]:
    return user.scope.filter(Station.objects.filter(county_code__in=county_codes))


def scoped_months(user: Any, county_codes: list[str], start: date, end: date) -> QuerySet[StationMonth]:
    # once per request: the user object lives as long as the request
    refreshed = user.__dict__.setdefault("_dashboards_refreshed", set())
    pending = sorted(set(county_codes) - refreshed)
    if len(pending) == 1:
        refresh_county(pending[0])
    elif pending:
        refresh_counties(pending)  # a province: which counties changed is one query per ledger
    refreshed.update(pending)
    rows = StationMonth.objects.filter(county_code__in=county_codes, month__gte=start, month__lte=end)
    return user.scope.filter(rows).order_by()


# -- station rows with their figures --------------------------------------------------------------


@dataclass
class StationRow:
    pk: int
    code: str
    name: str
    county_code: str
    township: str
    certified: bool
    figures: Figures = field(default_factory=Figures)

    @property
    def turnover(self) -> Decimal:
        return self.figures.purchase_amount + self.figures.sale_amount


@dataclass
class Group:
    code: str
    name: str
    stations: int = 0
    active: int = 0
    figures: Figures = field(default_factory=Figures)

    @property
    def idle(self) -> int:
        return self.stations - self.active

    @property
    def turnover(self) -> Decimal:
        return self.figures.purchase_amount + self.figures.sale_amount


def station_figures(
    user: Any, county_codes: list[str], start: date, end: date, *, month: date | None = None
) -> tuple[dict[int, Figures], dict[int, Figures]]:
    """Per-station figures for the months [start, end] and, when ``month`` is given, for that
    month alone: one grouped query over the aggregates."""
    # aliases differ from the field names: an alias equal to a field would shadow it for the next sum
    sums = {f"t_{name}": Sum(name) for name in STORED}
    if month is not None:
        sums.update({f"m_{name}": Sum(name, filter=Q(month=month)) for name in STORED})
    span: dict[int, Figures] = {}
    single: dict[int, Figures] = {}
    for r in scoped_months(user, county_codes, start, end).values("station_id").annotate(**sums):
        span[r["station_id"]] = figures_of({name: r[f"t_{name}"] for name in STORED})
        if month is not None:
            single[r["station_id"]] = figures_of({name: r[f"m_{name}"] for name in STORED})
    return span, single


def rows_for(user: Any, county_codes: list[str], *figure_sets: dict[int, Figures]) -> list[list[StationRow]]:
    """Every certified station in scope, and any other with activity, once per set of figures:
    one query for the stations."""
    active = set().union(*figure_sets)
    stations = (
        scoped_stations(user, county_codes)
        .filter(Q(status__in=CERTIFIED_STATUSES) | Q(pk__in=list(active)))
        .values("pk", "code", "name", "status", "county_code", "region_id", "region__name", "region__parent__name")
        .order_by("code")
    )
    result: list[list[StationRow]] = [[] for _set in figure_sets]
    for s in stations:
        region = s["region_id"] or ""
        township = s["region__parent__name"] if len(region) > 9 else s["region__name"]
        for rows, figures in zip(result, figure_sets, strict=True):
            rows.append(
                StationRow(
                    pk=s["pk"],
                    code=s["code"],
                    name=s["name"],
                    county_code=s["county_code"],
                    township=township or "",
                    certified=s["status"] in CERTIFIED_STATUSES,
                    figures=figures.get(s["pk"], Figures()),
                )
            )
    return result


def station_rows(user: Any, county_codes: list[str], start: date, end: date) -> list[StationRow]:
    """Station rows with their figures for the months [start, end]: two queries."""
    span, _single = station_figures(user, county_codes, start, end)
    return rows_for(user, county_codes, span)[0]


def group_rows(rows: list[StationRow], key) -> list[Group]:
    """Roll station rows up by ``key(row) -> (code, name)``, highest turnover first."""
    groups: dict[str, Group] = {}
    for row in rows:
        code, name = key(row)
        group = groups.setdefault(code, Group(code=code, name=name))
        group.stations += int(row.certified)
        group.active += int(row.certified and row.figures.has_activity)
        group.figures.add(row.figures)
    return sorted(groups.values(), key=lambda g: (-g.turnover, g.code))


def total_of(rows: list[StationRow]) -> Group:
    total = Group(code="", name=_("合计"))
    for row in rows:
        total.stations += int(row.certified)
        total.active += int(row.certified and row.figures.has_activity)
        total.figures.add(row.figures)
    return total


def monthly_trend(user: Any, county_codes: list[str], window: Window) -> list[tuple[date, Figures]]:
    """One row per month of the year up to the window's month, empty months included."""
    found = {
        r["month"]: figures_of(r)
        for r in scoped_months(user, county_codes, window.year_start, window.end).values("month").annotate(**_sums())
    }
    months = [date(window.year, m, 1) for m in range(1, window.month + 1)]
    return [(m, found.get(m, Figures())) for m in months]


# -- reports late and missed ----------------------------------------------------------------------


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
        scoped_stations(user, [county_code])
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
        scoped_stations(user, county_codes)
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
                station__in=scoped_stations(user, codes).filter(status__in=CERTIFIED_STATUSES),
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


# -- assessment, rectification, zombies -------------------------------------------------------------


def latest_published(user: Any, county_code: str) -> Assessment | None:
    return (
        user.scope.filter(Assessment.objects.filter(county_id=county_code, status=AssessmentStatus.PUBLISHED))
        .select_related("county")
        .order_by("-published_at", "-pk")
        .first()
    )


def grade_distribution(user: Any, assessment: Assessment | None) -> list[tuple[str, int]]:
    """(grade, stations) for the assessment's results in scope; 培育期 for stations not graded."""
    if assessment is None:
        return []
    rows = (
        user.scope.filter(AssessmentResult.objects.filter(assessment=assessment))
        .values("grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {r["grade"] or _("培育期"): r["n"] for r in rows}
    order = ["优秀", "合格", "不合格", _("培育期")]
    return [(g, counts.pop(g)) for g in order if g in counts] + sorted(counts.items())


def open_rectifications(user: Any, county_code: str) -> int:
    return (
        rectifications_for_user(user)
        .filter(station__county_code=county_code, outcome=RectificationOutcome.OPEN)
        .count()
    )


def zombies(user: Any, county_code: str, *, now: datetime | None = None) -> QuerySet[Station]:
    return zombie_stations_for_user(user, now=now).filter(county_code=county_code)


# -- the pages' figures -------------------------------------------------------------------------


@dataclass
class Dashboard:
    county: Region
    window: Window
    month: Group
    ytd: Group
    reports_month: ReportCounts
    reports_ytd: ReportCounts
    open_rectifications: int
    zombie_count: int
    zombie_rows: list[Station]
    assessment: Assessment | None
    grades: list[tuple[str, int]]
    computed_at: datetime | None = None  # when these figures were counted


def county_dashboard(user: Any, county: Region, window: Window, *, now: datetime | None = None) -> Dashboard:
    user.scope.require("statistics.view")
    now = now or timezone.now()
    codes = [county.code]
    zombie_qs = zombies(user, county.code, now=now)
    assessment = latest_published(user, county.code)
    ytd, month = station_figures(user, codes, window.year_start, window.end, month=window.month_start)
    ytd_rows, month_rows = rows_for(user, codes, ytd, month)
    reports_month, reports_ytd = report_counts_by_window(
        user, county.code, [(window.month_start, window.end), (window.year_start, window.end)], now=now
    )
    return Dashboard(
        county=county,
        window=window,
        month=total_of(month_rows),
        ytd=total_of(ytd_rows),
        reports_month=reports_month,
        reports_ytd=reports_ytd,
        open_rectifications=open_rectifications(user, county.code),
        zombie_count=zombie_qs.count(),
        zombie_rows=list(zombie_qs.select_related("region")[:10]),
        assessment=assessment,
        grades=grade_distribution(user, assessment),
        computed_at=now,
    )


def recent_county_dashboard(user: Any, county: Region, window: Window) -> Dashboard:
    """:func:`county_dashboard` as counted a moment ago for the same scope, county and month
    (:func:`cunzhan.core.recent.recently_counted`; ``computed_at`` says when)."""
    user.scope.require("statistics.view")
    return recently_counted(user, ("board", county.code, window.slug), lambda: county_dashboard(user, county, window))


@dataclass
class CountyRow:
    county: Region
    figures: Group
    reports: ReportCounts


def rollup(user: Any, counties: list[Region], window: Window, *, now: datetime | None = None) -> list[CountyRow]:
    """One row per county in the viewer's region: year-to-date figures and report discipline."""
    user.scope.require("statistics.view")
    names = {c.code: c for c in counties}
    rows = station_rows(user, list(names), window.year_start, window.end)
    groups = {g.code: g for g in group_rows(rows, lambda r: (r.county_code, names[r.county_code].name))}
    result = []
    reports = report_counts_many(user, [c.code for c in counties], window.year_start, window.end, now=now)
    for c in counties:
        group = groups.get(c.code) or Group(code=c.code, name=c.name)
        result.append(CountyRow(county=c, figures=group, reports=reports[c.code]))
    result.sort(key=lambda r: (-r.figures.turnover, -r.figures.stations, r.county.code))
    return result


@dataclass
class KeeperHome:
    station: Station
    obligations: list[Any]
    backlog_parcels: int
    open_faults: int
    standing: AssessmentResult | None
    ranked: int
    month: Group
    ytd: Group


def keeper_home(user: Any, window: Window, *, now: datetime | None = None) -> KeeperHome | None:
    """What the keeper owes this week and how the station stands."""
    from cunzhan.reports.selectors import station_obligations
    from cunzhan.reports.status import ReportStatus

    now = now or timezone.now()
    station = user.scope.filter(Station.objects.select_related("region")).filter(pk=user.station_id).first()
    if station is None:
        return None
    obligations = [
        o for o in station_obligations(station, now=now, months=2, weeks=2) if o.status != ReportStatus.NOT_DUE
    ]
    backlog = (
        user.scope.filter(Parcel.objects.filter(station=station, direction=Direction.IN))
        .filter(handed_over_at__isnull=True, arrived_at__lt=now - timedelta(hours=BACKLOG_HOURS))
        .count()
    )
    standing = (
        user.scope.filter(
            AssessmentResult.objects.filter(station=station, assessment__status=AssessmentStatus.PUBLISHED)
        )
        .select_related("assessment")
        .order_by("-assessment__published_at", "-pk")
        .first()
    )
    ranked = standing.assessment.results.filter(rank__isnull=False).count() if standing else 0
    codes = [station.county_code]
    ytd, month = station_figures(user, codes, window.year_start, window.end, month=window.month_start)
    ytd_rows, month_rows = rows_for(user, codes, ytd, month)
    return KeeperHome(
        station=station,
        obligations=obligations,
        backlog_parcels=backlog,
        open_faults=faults_for_user(user).filter(station=station, repaired_at__isnull=True).count(),
        standing=standing,
        ranked=ranked,
        month=total_of(month_rows),
        ytd=total_of(ytd_rows),
    )
