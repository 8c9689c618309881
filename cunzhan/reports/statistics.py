"""County and operating-unit statistics aggregated from the ledgers by the database.

Whole months are read from the maintained per-station monthly aggregates (ledgers.StationMonth);
days outside whole months (a week, a half month) from the ledgers, grouped by station in four
queries, one per ledger, each restricted to the user's stations and to the date range through the
ledgers' (station, occurred_on) index. The resulting few hundred station rows
are rolled up to townships and the county total in memory: no query per station.

"active" station = at least one ledger row of any kind in the period; "idle" = none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from cunzhan.core import dates
from cunzhan.core.money import quantize, round_money
from cunzhan.ledgers.models import ConvenienceService, Direction, Parcel, ProxyPurchase, ProxySale
from cunzhan.regions.models import township_of
from cunzhan.stations.models import CERTIFIED_STATUSES, Station

ZERO = Decimal("0.00")


@dataclass
class Figures:
    purchase_orders: int = 0
    purchase_amount: Decimal = ZERO
    sale_orders: int = 0
    sale_amount: Decimal = ZERO
    farm_orders: int = 0  # 农产品上行
    farm_amount: Decimal = ZERO
    goods_orders: int = 0  # 工业品下行
    goods_amount: Decimal = ZERO
    parcels_in: int = 0
    parcels_out: int = 0
    services: int = 0
    services_amount: Decimal = ZERO

    def add(self, other: Figures) -> None:
        for f in fields(Figures):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def has_activity(self) -> bool:
        return bool(self.purchase_orders or self.sale_orders or self.parcels_in or self.parcels_out or self.services)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(Figures)}


FIGURE_NAMES = [f.name for f in fields(Figures)]


@dataclass
class StationStats:
    station_id: int
    code: str
    name: str
    township_code: str
    township: str
    status: str
    figures: Figures = field(default_factory=Figures)

    @property
    def active(self) -> bool:
        return self.figures.has_activity


@dataclass
class GroupStats:
    code: str
    name: str
    stations: int = 0
    active: int = 0
    figures: Figures = field(default_factory=Figures)

    @property
    def idle(self) -> int:
        return self.stations - self.active

    def take(self, row: StationStats) -> None:
        self.stations += 1
        self.active += int(row.active)
        self.figures.add(row.figures)


@dataclass
class CountyStatistics:
    start: date
    end: date
    stations: list[StationStats]
    townships: list[GroupStats]
    total: GroupStats
    computed_at: datetime | None = None  # when these figures were counted


def scoped_stations(user: Any, county_code: str) -> QuerySet[Station]:
    return user.scope.filter(Station.objects.filter(county_code=county_code))


def _span(user: Any, county_code: str, start: date, end: date) -> dict[str, Any]:
    return {
        "county_code": county_code,
        "station_id__in": scoped_stations(user, county_code).values("pk"),
        "occurred_on__gte": start,
        "occurred_on__lte": end,
    }


def station_figures(user: Any, county_code: str, start: date, end: date) -> dict[int, Figures]:
    """Per-station figures for [start, end]. Whole months come from the maintained monthly
    aggregates (a year is 12 rows a station, never a scan of the raw ledgers); the days before the
    first whole month and after the last one from the ledgers, four grouped queries per span."""
    result: dict[int, Figures] = {}
    first = start if start.day == 1 else dates.month_first(*dates.add_months(start.year, start.month, 1))
    last = end if (end + timedelta(days=1)).day == 1 else dates.month_first(end.year, end.month) - timedelta(days=1)
    if first <= last:
        _from_aggregates(result, user, county_code, first, last)
        spans = [(start, first - timedelta(days=1)), (last + timedelta(days=1), end)]
    else:
        spans = [(start, end)]
    for span_start, span_end in spans:
        if span_start <= span_end:
            _from_ledgers(result, user, county_code, span_start, span_end)
    return result


def _from_aggregates(result: dict[int, Figures], user: Any, county_code: str, first: date, last: date) -> None:
    from cunzhan.ledgers.aggregates import refresh_county
    from cunzhan.ledgers.models import StationMonth

    refresh_county(county_code)
    rows = (
        StationMonth.objects.filter(
            county_code=county_code,
            station_id__in=scoped_stations(user, county_code).values("pk"),
            month__gte=first,
            month__lte=last,
        )
        .order_by()
        .values("station_id")
        .annotate(**{name: Sum(name) for name in AGGREGATED})
    )
    for row in rows:
        f = result.setdefault(row["station_id"], Figures())
        for name in AGGREGATED:  # amounts to the fen whatever the database returns for a sum (SQLite: a float)
            value = round_money(row[name]) if name.endswith("amount") else row[name] or 0
            setattr(f, name, getattr(f, name) + value)
        f.goods_orders = f.sale_orders - f.farm_orders
        f.goods_amount = f.sale_amount - f.farm_amount


# the figures the monthly aggregates hold (goods = sales that are not farm products)
AGGREGATED = [name for name in FIGURE_NAMES if not name.startswith("goods_")]


def _from_ledgers(result: dict[int, Figures], user: Any, county_code: str, start: date, end: date) -> None:
    span = _span(user, county_code, start, end)
    part: dict[int, Figures] = {}

    def of(station_id: int) -> Figures:
        return part.setdefault(station_id, Figures())

    for row in (
        ProxyPurchase.objects.filter(**span).values("station_id").annotate(n=Count("*"), a=Sum("amount")).order_by()
    ):
        f = of(row["station_id"])
        f.purchase_orders, f.purchase_amount = row["n"], round_money(row["a"])
    farm = Q(farm_product=True)
    for row in (
        ProxySale.objects.filter(**span)
        .values("station_id")
        .annotate(n=Count("*"), a=Sum("amount"), fn=Count("station_id", filter=farm), fa=Sum("amount", filter=farm))
        .order_by()
    ):
        f = of(row["station_id"])
        f.sale_orders, f.sale_amount = row["n"], round_money(row["a"])
        f.farm_orders, f.farm_amount = row["fn"], round_money(row["fa"])
        f.goods_orders, f.goods_amount = f.sale_orders - f.farm_orders, f.sale_amount - f.farm_amount
    for row in (
        Parcel.objects.filter(**span)
        .values("station_id")
        .annotate(
            pin=Count("station_id", filter=Q(direction=Direction.IN)),
            pout=Count("station_id", filter=Q(direction=Direction.OUT)),
        )
        .order_by()
    ):
        f = of(row["station_id"])
        f.parcels_in, f.parcels_out = row["pin"], row["pout"]
    for row in (
        ConvenienceService.objects.filter(**span)
        .values("station_id")
        .annotate(n=Count("*"), a=Sum("amount"))
        .order_by()
    ):
        f = of(row["station_id"])
        f.services, f.services_amount = row["n"], round_money(row["a"])
    for station_id, figures in part.items():
        result.setdefault(station_id, Figures()).add(figures)


def county_statistics(user: Any, county_code: str, start: date, end: date) -> CountyStatistics:
    """Station, township and county figures; lists every certified station (active or idle) and
    any other station that has ledger rows in the period."""
    figures = station_figures(user, county_code, start, end)
    stations = (
        scoped_stations(user, county_code)
        .filter(Q(status__in=CERTIFIED_STATUSES) | Q(pk__in=list(figures)))
        .values("pk", "code", "name", "status", "region_id", "region__name", "region__parent__name")
        .order_by("region_id", "code")
    )
    rows: list[StationStats] = []
    townships: dict[str, GroupStats] = {}
    total = GroupStats(code=county_code, name="合计")
    for s in stations:
        region_code = s["region_id"] or ""
        township_code = region_code[:9]
        township_name = township_of(region_code, s["region__name"], s["region__parent__name"])
        row = StationStats(
            station_id=s["pk"],
            code=s["code"],
            name=s["name"],
            township_code=township_code,
            township=township_name or "",
            status=s["status"],
            figures=figures.get(s["pk"], Figures()),
        )
        rows.append(row)
        townships.setdefault(township_code, GroupStats(code=township_code, name=row.township)).take(row)
        total.take(row)
    return CountyStatistics(
        start=start,
        end=end,
        stations=rows,
        townships=sorted(townships.values(), key=lambda g: g.code),
        total=total,
        computed_at=timezone.now(),
    )


def product_lines(user: Any, county_code: str, start: date, end: date) -> list[dict[str, Any]]:
    """品名、数量、销售额、网店/平台 per station for the consolidated report: two grouped queries."""
    span = _span(user, county_code, start, end)
    columns = ("station__code", "station__name", "product_name", "platform")
    lines = []
    for section, model in (("purchase", ProxyPurchase), ("sale", ProxySale)):
        for row in (
            model.objects.filter(**span)
            .values(*columns)
            .annotate(n=Count("*"), q=Sum("quantity"), a=Sum("amount"))
            .order_by(*columns)
        ):
            lines.append({"section": section, **row, "q": quantize(row["q"], 3), "a": round_money(row["a"])})
    lines.sort(key=lambda r: (r["station__code"], r["section"], r["product_name"], r["platform"]))
    return lines
