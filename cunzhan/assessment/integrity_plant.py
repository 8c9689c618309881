"""A generated county for the order-integrity test and benchmark: stations with ordinary ledgers over a
half-year and the 12 months before it, and on six of them one planted fake-order pattern each (a burst,
one customer, one amount, a period-end rush, a bulk back-dating, a volume far above the station's past).

Ordinary, here: each station buys and sells at its own monthly rate (a few to a few dozen orders, with the
season), from its own villagers (a pool by population, so regular customers repeat), at prices of which a
quarter come from a common price list; most rows are recorded the evening of their day, some one to five
days late, by hand. Deterministic by seed."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from cunzhan.assessment.engine import Period
from cunzhan.core.dates import SHANGHAI
from cunzhan.ledgers.models import ProxyPurchase, ProxySale
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import OperatingUnit, Station, Status, Tier

PATTERNS = ("burst", "customer", "amount", "period_end", "backdated", "volume")
LEDGER_OF = {
    "burst": "purchase",
    "customer": "purchase",
    "amount": "sale",
    "period_end": "purchase",
    "backdated": "sale",
    "volume": "purchase",
}
PURCHASE_PRICES = [Decimal(p) for p in ("9.90", "19.90", "29.90", "39.00", "59.00", "69.00", "99.00", "128.00")]
SALE_PRICES = [Decimal(p) for p in ("30.00", "50.00", "60.00", "80.00", "100.00", "120.00", "150.00", "200.00")]
SEASON = (1.3, 0.8, 0.8, 0.9, 0.9, 1.0, 0.9, 0.9, 1.0, 1.1, 1.5, 1.3)


@dataclass
class Planted:
    station: Station
    kind: str
    ledger: str
    entries: set[int] = field(default_factory=set)  # the planted rows (none for a volume: it names none)


@dataclass
class County:
    stations: list[Station]
    planted: list[Planted]

    @property
    def untouched(self) -> list[Station]:
        touched = {p.station.pk for p in self.planted}
        return [s for s in self.stations if s.pk not in touched]


def _moment(day: date, rng: random.Random, start: int = 17, end: int = 22) -> datetime:
    return datetime.combine(day, time(rng.randrange(start, end), rng.randrange(60), rng.randrange(60)), tzinfo=SHANGHAI)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _stations(county: Region, unit: OperatingUnit, count: int, prefix: str, rng: random.Random) -> list[Station]:
    township, _ = Region.objects.get_or_create(
        code=f"{county.code}199", defaults={"name": "试验镇", "level": Level.TOWNSHIP, "parent": county}
    )
    stations = []
    for n in range(count):
        code = f"{township.code}{n + 1:03d}"
        village, _ = Region.objects.get_or_create(
            code=code, defaults={"name": f"试验{n + 1}村", "level": Level.VILLAGE, "parent": township}
        )
        station = Station.objects.create(
            code=f"{prefix}-{n + 1:04d}",
            name=f"试验{n + 1}村服务站",
            tier=Tier.VILLAGE,
            region=village,
            county_code=county.code,
            operating_unit=unit,
            status=Status.OPERATING,
            resident_population=rng.randrange(300, 2600),
            certified_at=datetime(2022, 3, 1, 10, tzinfo=SHANGHAI),
        )
        stations.append(station)
    return stations


class _Rows:
    """Rows of one station, made as the keeper would have recorded them."""

    def __init__(self, station: Station, rng: random.Random) -> None:
        self.station, self.rng = station, rng
        population = station.resident_population or 500
        self.villagers = [f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" for _ in range(max(20, population // 6))]
        self.households = [
            f"{rng.choice('王李张刘陈杨赵黄周吴高郭贺白')}家{i}" for i in range(max(10, population // 20))
        ]

    def purchase(self, day: date, *, recorded: datetime | None = None, **values: Any) -> ProxyPurchase:
        rng = self.rng
        amount = rng.choice(PURCHASE_PRICES) if rng.random() < 0.25 else Decimal(rng.randrange(1500, 60000)) / 100
        row = ProxyPurchase(
            station=self.station,
            county_code=self.station.county_code,
            occurred_on=day,
            recorded_at=recorded or self._recorded(day),
            row_key=uuid.UUID(int=rng.getrandbits(128)).hex,
            product_name="日用品",
            quantity=Decimal(1),
            amount=amount,
            platform="拼多多",
            customer_name="村民",
            customer_phone=rng.choice(self.villagers),
        )
        for name, value in values.items():
            setattr(row, name, value)
        return row

    def sale(self, day: date, *, recorded: datetime | None = None, **values: Any) -> ProxySale:
        rng = self.rng
        amount = rng.choice(SALE_PRICES) if rng.random() < 0.25 else Decimal(rng.randrange(3000, 80000)) / 100
        row = ProxySale(
            station=self.station,
            county_code=self.station.county_code,
            occurred_on=day,
            recorded_at=recorded or self._recorded(day),
            row_key=uuid.UUID(int=rng.getrandbits(128)).hex,
            product_name="小米",
            quantity=Decimal(5),
            amount=amount,
            platform="淘宝",
            seller_household=rng.choice(self.households),
        )
        for name, value in values.items():
            setattr(row, name, value)
        return row

    def _recorded(self, day: date) -> datetime:
        late = 0 if self.rng.random() < 0.8 else self.rng.randrange(1, 6)
        return _moment(day + timedelta(days=late), self.rng)


def _ordinary(rows: _Rows, first: date, last: date, purchases: float, sales: float) -> tuple[list, list]:
    """Each day's orders drawn at the station's monthly rates (per 30 days), with the season."""
    rng = rows.rng
    bought, sold = [], []
    for day in _days(first, last):
        season = SEASON[day.month - 1]
        for _ in range(_poisson(rng, purchases * season / 30)):
            bought.append(rows.purchase(day))
        for _ in range(_poisson(rng, sales * season / 30)):
            sold.append(rows.sale(day))
    return bought, sold


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: the means here are small (a few orders a day at most)
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate(county: Region, *, stations: int, period: Period, seed: int = 27, prefix: str = "GEN") -> County:
    """``stations`` new stations in ``county`` with ordinary ledgers from 12 months before ``period`` to
    its end, the first six each with one planted pattern (PATTERNS, in that order)."""
    rng = random.Random(seed)  # noqa: S311  generated test data, not secrets
    unit = OperatingUnit.objects.filter(county=county).first() or OperatingUnit.objects.create(
        name=f"{county.name}试验运营", county=county
    )
    made = _stations(county, unit, stations, prefix, rng)
    history_start = date(period.start.year - 1, period.start.month, 1)
    planted = []
    purchases: list[ProxyPurchase] = []
    sales: list[ProxySale] = []
    plants: list[tuple[str, _Rows, list]] = []
    for n, station in enumerate(made):
        rows = _Rows(station, rng)
        bought, sold = _ordinary(rows, history_start, period.end, rng.uniform(6, 40), rng.uniform(2, 12))
        purchases += bought
        sales += sold
        if n < len(PATTERNS):
            kind = PATTERNS[n]
            extra = _plant(kind, rows, period, bought)
            plants.append((kind, rows, extra))
            (purchases if LEDGER_OF[kind] == "purchase" else sales).extend(extra)
    ProxyPurchase.objects.bulk_create(purchases, batch_size=2000)
    ProxySale.objects.bulk_create(sales, batch_size=2000)
    for kind, rows, extra in plants:
        entries = {row.pk for row in extra} if kind != "volume" else set()
        planted.append(Planted(rows.station, kind, LEDGER_OF[kind], entries))
    return County(made, planted)


def _plant(kind: str, rows: _Rows, period: Period, ordinary: list[ProxyPurchase]) -> list:
    rng = rows.rng
    days = list(_days(period.start, period.end))
    if kind == "burst":  # 20 orders of one day entered within five minutes
        day = period.start + timedelta(days=95)
        start = datetime.combine(day, time(20, 3), tzinfo=SHANGHAI)
        return [rows.purchase(day, recorded=start + timedelta(seconds=15 * i)) for i in range(20)]
    if kind == "customer":  # one phone number buying 40 times over the half-year
        phone = "13912345678"
        return [rows.purchase(rng.choice(days), customer_phone=phone) for _ in range(40)]
    if kind == "amount":  # 24 sales of exactly 88.00
        return [rows.sale(rng.choice(days), amount=Decimal("88.00")) for _ in range(24)]
    if kind == "period_end":  # 40 purchases dated in the last six days
        return [rows.purchase(period.end - timedelta(days=rng.randrange(6))) for _ in range(40)]
    if kind == "backdated":  # 15 sales of February, all entered on one day in May
        entered = datetime.combine(period.start + timedelta(days=140), time(21, 0), tzinfo=SHANGHAI)
        return [
            rows.sale(period.start + timedelta(days=31 + i), recorded=entered + timedelta(minutes=i)) for i in range(15)
        ]
    if kind == "volume":  # the half-year's purchases four times the station's own rate, and 80 a month more
        own = [r for r in ordinary if r.occurred_on >= period.start]
        return [rows.purchase(rng.choice(days)) for _ in range(3 * len(own) + 480)]
    raise ValueError(kind)
