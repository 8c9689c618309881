"""Every figure a dashboard shows, computed set-based and scoped to the user.

Ledger figures come from the maintained monthly aggregates (:class:`StationMonth`), refreshed
for the county first; report lateness from one grouped query over the report rows; zombies,
rectifications and grades from their apps' selectors. No query runs per station or per month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.assessment.models import Assessment, AssessmentResult, RectificationOutcome
from cunzhan.assessment.models import Status as AssessmentStatus
from cunzhan.assessment.selectors import rectifications_for_user
from cunzhan.core import dates
from cunzhan.core.money import round_money
from cunzhan.core.recent import recently_counted
from cunzhan.ledgers.aggregates import refresh_counties, refresh_county
from cunzhan.ledgers.models import Direction, Parcel, StationMonth
from cunzhan.regions.models import Region
from cunzhan.reports.counts import ReportCounts, report_counts_by_window, report_counts_many
from cunzhan.reports.statistics import Figures
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


def figures_of(row: Mapping[str, Any]) -> Figures:
    # amounts to 2 places whatever the database returns for a sum (SQLite drops trailing zeros)
    values: dict[str, Any] = {
        name: round_money(row.get(name)) if name.endswith("amount") else row.get(name) or 0 for name in STORED
    }
    f = Figures(**values)
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


def scoped_stations(user: User, county_codes: list[str]) -> QuerySet[Station]:
    return user.scope.filter(Station.objects.filter(county_code__in=county_codes))


def scoped_months(user: User, county_codes: list[str], start: date, end: date) -> QuerySet[StationMonth]:
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
    user: User, county_codes: list[str], start: date, end: date, *, month: date | None = None
) -> tuple[dict[int, Figures], dict[int, Figures]]:
    """Per-station figures for the months [start, end] and, when ``month`` is given, for that
    month alone: one grouped query over the aggregates."""
    # aliases differ from the field names: an alias equal to a field would shadow it for the next sum
    sums = {f"t_{name}": Sum(name) for name in STORED}
    if month is not None:
        sums.update({f"m_{name}": Sum(name, filter=Q(month=month)) for name in STORED})
    span: dict[int, Figures] = {}
    single: dict[int, Figures] = {}
    # the station's id and the sums (named here: to django-stubs the rows have the id alone)
    rows: QuerySet[Any, Mapping[str, Any]] = (
        scoped_months(user, county_codes, start, end).values("station_id").annotate(**sums)
    )
    for r in rows:
        span[r["station_id"]] = figures_of({name: r[f"t_{name}"] for name in STORED})
        if month is not None:
            single[r["station_id"]] = figures_of({name: r[f"m_{name}"] for name in STORED})
    return span, single


def rows_for(user: User, county_codes: list[str], *figure_sets: dict[int, Figures]) -> list[list[StationRow]]:
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


def station_rows(user: User, county_codes: list[str], start: date, end: date) -> list[StationRow]:
    """Station rows with their figures for the months [start, end]: two queries."""
    span, _single = station_figures(user, county_codes, start, end)
    return rows_for(user, county_codes, span)[0]


def group_rows(rows: list[StationRow], key: Callable[[StationRow], tuple[str, str]]) -> list[Group]:
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


def monthly_trend(user: User, county_codes: list[str], window: Window) -> list[tuple[date, Figures]]:
    """One row per month of the year up to the window's month, empty months included."""
    found = {
        r["month"]: figures_of(r)
        for r in scoped_months(user, county_codes, window.year_start, window.end).values("month").annotate(**_sums())
    }
    months = [date(window.year, m, 1) for m in range(1, window.month + 1)]
    return [(m, found.get(m, Figures())) for m in months]


# -- assessment, rectification, zombies -------------------------------------------------------------


def latest_published(user: User, county_code: str) -> Assessment | None:
    return (
        user.scope.filter(Assessment.objects.filter(county_id=county_code, status=AssessmentStatus.PUBLISHED))
        .select_related("county")
        .order_by("-published_at", "-pk")
        .first()
    )


def grade_distribution(user: User, assessment: Assessment | None) -> list[tuple[str, int]]:
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


def open_rectifications(user: User, county_code: str) -> int:
    return (
        rectifications_for_user(user)
        .filter(station__county_code=county_code, outcome=RectificationOutcome.OPEN)
        .count()
    )


def zombies(user: User, county_code: str, *, now: datetime | None = None) -> QuerySet[Station]:
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


def county_dashboard(user: User, county: Region, window: Window, *, now: datetime | None = None) -> Dashboard:
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


def recent_county_dashboard(user: User, county: Region, window: Window) -> Dashboard:
    """:func:`county_dashboard` as counted a moment ago for the same scope, county and month
    (:func:`cunzhan.core.recent.recently_counted`; ``computed_at`` says when)."""
    user.scope.require("statistics.view")
    return recently_counted(user, ("board", county.code, window.slug), lambda: county_dashboard(user, county, window))


@dataclass
class CountyRow:
    county: Region
    figures: Group
    reports: ReportCounts


def rollup(user: User, counties: list[Region], window: Window, *, now: datetime | None = None) -> list[CountyRow]:
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


def keeper_home(user: User, window: Window, *, now: datetime | None = None) -> KeeperHome | None:
    """What the keeper owes this week and how the station stands."""
    from cunzhan.reports.selectors import station_obligations
    from cunzhan.reports.status import ReportStatus

    now = now or timezone.now()
    if user.station_id is None:
        return None
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
