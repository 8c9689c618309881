"""Order integrity (刷单提示): patterns in the proxy purchase and sale ledgers that items 7 and 8 should
not pay for unseen (Jiangxi 第十条4 "杜绝刷单"). Each flag says in words what was found and names the ledger
rows behind it; it changes no score — a person confirms or dismisses it (:mod:`integrity_services`).

Found per station and half-year, with a fixed number of set-based queries per ledger over the county's
rows of the period (on PostgreSQL, the monthly partitions of the period only), whatever the number of
stations; the same SQL runs on SQLite. The thresholds are the scheme's ``[integrity]`` parameters:

* **burst** (集中登记): orders of one day recorded within ``burst_minutes``, ``burst_orders`` or more;
* **customer / amount** (重复): one customer (代购: phone, else ID number, else name; 代销: the seller
  household) or one amount with ``repeat_min_orders`` or more, and ``repeat_factor`` times the average of
  the station's other customers (amounts);
* **period_end** (期末突击): ``end_min_orders`` or more dated in the period's last ``end_days`` days, at
  ``end_factor`` times the station's daily rate over the rest of the period;
* **backdated** (批量补登): ``backdate_min_orders`` or more recorded on one day ``backdate_days`` or more
  after their dates;
* **volume** (单量异常): ``volume_min_orders`` or more in the period, ``volume_history_factor`` times the
  station's own monthly average over the 12 months before (those since its certification and since the
  county's first records), and ``volume_median_factor`` times the median of the county's other stations of
  its population band; without a past or a band to compare with, no flag. It names no single order.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from cunzhan.assessment.engine import Period
from cunzhan.assessment.scheme_table import integrity_of
from cunzhan.core.dates import TIME_ZONE_NAME, UTC_OFFSET
from cunzhan.core.money import format_money, quantize
from cunzhan.core.privacy import mask_id_number, mask_mobile, mask_name
from cunzhan.ledgers.models import ProxyPurchase, ProxySale, StationMonth

LEDGERS: dict[str, type[ProxyPurchase] | type[ProxySale]] = {"purchase": ProxyPurchase, "sale": ProxySale}
# who a row's customer is: a purchase's customer by phone, else ID number, else name; a sale's seller household
CUSTOMER = {
    "purchase": "COALESCE(NULLIF(customer_phone, ''), NULLIF(customer_id_number, ''), NULLIF(customer_name, ''))",
    "sale": "NULLIF(seller_household, '')",
}


@dataclass(frozen=True)
class Thresholds:
    burst_minutes: int
    burst_orders: int
    repeat_min_orders: int
    repeat_factor: Decimal
    end_days: int
    end_min_orders: int
    end_factor: Decimal
    backdate_days: int
    backdate_min_orders: int
    volume_min_orders: int
    volume_history_factor: Decimal
    volume_median_factor: Decimal

    @classmethod
    def of(cls, scheme_data: dict[str, Any]) -> Thresholds:
        values = integrity_of(scheme_data)
        kinds = cls.__annotations__
        typed: dict[str, Any] = {
            name: Decimal(str(values[name])) if kinds[name] == "Decimal" else int(values[name]) for name in kinds
        }
        return cls(**typed)


@dataclass(frozen=True)
class Finding:
    """One flag: what was found (a message marked for translation and its arguments) and the rows named."""

    station_id: int
    ledger: str  # purchase | sale
    kind: str
    key: str  # stable while the same rows keep showing the same pattern
    message: str
    args: tuple[tuple[str, str], ...]
    orders: tuple[tuple[int, date], ...] = field(default=(), repr=False)  # (ledger row id, its date)

    @property
    def text(self) -> str:
        """In Chinese, as stored with a decision."""
        return self.message % dict(self.args)

    def shown(self) -> str:
        """In the page's language."""
        return gettext(self.message) % dict(self.args)


def _say(message: str, **args: object) -> tuple[str, tuple[tuple[str, str], ...]]:
    return message, tuple(sorted((k, str(v)) for k, v in args.items()))


def _number(value: Decimal) -> str:
    return f"{quantize(value, 1).normalize():f}"


# -- the database's dialect ------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _epoch() -> str:
    """Seconds since 1970 of ``recorded_at``, as an integer (``%%``: the query has parameters)."""
    return (
        "CAST(EXTRACT(EPOCH FROM recorded_at) AS bigint)"
        if _postgres()
        else "CAST(strftime('%%s', recorded_at) AS integer)"
    )


def _recorded_day() -> str:
    """The local (Asia/Shanghai) date of ``recorded_at``."""
    if _postgres():
        return f"CAST(recorded_at AT TIME ZONE '{TIME_ZONE_NAME}' AS date)"
    return f"date(recorded_at, '+{UTC_OFFSET.total_seconds() / 3600:g} hours')"


def _days_late() -> str:
    """Days from the order's date to the local date it was recorded."""
    if _postgres():
        return f"({_recorded_day()} - occurred_on)"
    return f"CAST(julianday({_recorded_day()}) - julianday(occurred_on) AS integer)"


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class _Query:
    """The rows of one ledger, one county, one period (and one station, if given)."""

    def __init__(self, ledger: str, county: str, period: Period, station_id: int | None) -> None:
        self.ledger = ledger
        self.table = connection.ops.quote_name(LEDGERS[ledger]._meta.db_table)
        self.where = "county_code = %s AND occurred_on >= %s AND occurred_on <= %s"
        self.params: list[Any] = [county, period.start, period.end]
        if station_id is not None:
            self.where += " AND station_id = %s"
            self.params.append(station_id)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=self.table, where=self.where), [*self.params, *params])
            return cursor.fetchall()


# -- the patterns ----------------------------------------------------------------------------------


def _bursts(q: _Query, t: Thresholds) -> list[Finding]:
    """Each window of ``burst_minutes`` after a row that holds ``burst_orders`` rows of the same station and
    date; overlapping windows are one burst. The windows are counted by the database (a range frame)."""
    seconds = int(t.burst_minutes) * 60
    sql = f"""
        WITH base AS (SELECT id, station_id, occurred_on, {_epoch()} AS t FROM {{table}} WHERE {{where}}),
        counted AS (
            SELECT id, station_id, occurred_on, t, COUNT(*) OVER (
                PARTITION BY station_id, occurred_on ORDER BY t RANGE BETWEEN CURRENT ROW AND {seconds} FOLLOWING
            ) AS n FROM base
        )
        SELECT b.station_id, b.occurred_on, c.t, b.id, b.t FROM counted c
        JOIN base b ON b.station_id = c.station_id AND b.occurred_on = c.occurred_on AND b.t >= c.t
            AND b.t <= c.t + {seconds}
        WHERE c.n >= %s ORDER BY b.station_id, b.occurred_on, c.t, b.t
    """  # noqa: S608  (table and expressions from the code, values as parameters)
    windows: dict[tuple[int, Any, int], list[tuple[int, int]]] = defaultdict(list)
    for station_id, day, start, row_id, moment in q.rows(sql, [t.burst_orders]):
        windows[(station_id, day, start)].append((row_id, moment))
    clusters: dict[tuple[int, Any], list[dict[int, int]]] = defaultdict(list)
    for (station_id, day, _start), members in windows.items():  # in time order per station and day
        merged = clusters[(station_id, day)]
        rows = dict(members)
        if merged and merged[-1].keys() & rows.keys():
            merged[-1].update(rows)
        else:
            merged.append(rows)
    findings = []
    for (station_id, day), groups in clusters.items():
        for rows in groups:
            moments = sorted(rows.values())
            first, last = (timezone.localtime(datetime.fromtimestamp(m, UTC)) for m in (moments[0], moments[-1]))
            message, args = _say(
                N_("%(day)s 的 %(count)s 单在 %(minutes)s 分钟内登记（%(first)s–%(last)s）"),
                day=_day(day).isoformat(),
                count=len(rows),
                minutes=t.burst_minutes,
                first=f"{first:%H:%M}",
                last=f"{last:%H:%M}",
            )
            findings.append(
                Finding(
                    station_id,
                    q.ledger,
                    "burst",
                    f"{q.ledger}:burst:{_day(day).isoformat()}:{min(rows)}",
                    message,
                    args,
                    tuple((row_id, _day(day)) for row_id in sorted(rows)),
                )
            )
    return findings


def _repeats(q: _Query, t: Thresholds, kind: str) -> list[Finding]:
    """One customer or one amount far beyond the station's norm. The norm is how many orders the station's
    other repeat customers (amounts seen more than once) have on average — a village has its regular
    shoppers and its common prices; one far above them is what is asked about. Counted by the database:
    per (station, value), then the station's repeat values by window functions, joined back to the rows."""
    ident = CUSTOMER[q.ledger] if kind == "customer" else "amount"
    sql = f"""
        WITH base AS (
            SELECT id, station_id, occurred_on, {ident} AS ident FROM {{table}} WHERE {{where}} AND {ident} IS NOT NULL
        ),
        per_value AS (SELECT station_id, ident, COUNT(*) AS n FROM base GROUP BY station_id, ident),
        norms AS (
            SELECT station_id, ident, n,
                SUM(CASE WHEN n > 1 THEN n ELSE 0 END) OVER (PARTITION BY station_id) AS repeat_orders,
                SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) OVER (PARTITION BY station_id) AS repeat_values
            FROM per_value
        )
        SELECT b.station_id, b.ident, m.n, m.repeat_orders, m.repeat_values, b.id, b.occurred_on
        FROM norms m JOIN base b ON b.station_id = m.station_id AND b.ident = m.ident
        WHERE m.n >= %s ORDER BY b.station_id, b.ident, b.occurred_on, b.id
    """  # noqa: S608  (table and expressions from the code, values as parameters)
    groups: dict[tuple[int, Any], list[tuple[int, date]]] = defaultdict(list)
    figures: dict[tuple[int, Any], tuple[int, int, int]] = {}
    for station_id, value, n, repeat_orders, repeat_values, row_id, day in q.rows(sql, [t.repeat_min_orders]):
        groups[(station_id, value)].append((row_id, _day(day)))
        figures[(station_id, value)] = (int(n), int(repeat_orders), int(repeat_values))
    findings = []
    for (station_id, value), orders in groups.items():
        n, repeat_orders, repeat_values = figures[(station_id, value)]
        norm = Decimal(repeat_orders - n) / Decimal(repeat_values - 1) if repeat_values > 1 else Decimal(1)
        norm = max(norm, Decimal(1))
        if n < t.repeat_factor * norm:
            continue
        if kind == "amount":
            amount = format_money(value, grouping=False)
            message, args = _say(
                N_("金额 %(amount)s 元的订单本期 %(count)s 单；本站其他重复出现的金额平均每个 %(norm)s 单"),
                amount=amount,
                count=n,
                norm=_number(norm),
            )
            key = f"{q.ledger}:amount:{amount}"
        else:
            text = (
                N_("顾客 %(who)s 本期 %(count)s 单；本站其他回头客平均每人 %(norm)s 单")
                if q.ledger == "purchase"
                else N_("农户 %(who)s 本期 %(count)s 单；本站其他多次代销的农户平均每户 %(norm)s 单")
            )
            message, args = _say(text, who=_masked(str(value)), count=n, norm=_number(norm))
            key = f"{q.ledger}:customer:{_fingerprint(str(value))}"
        findings.append(Finding(station_id, q.ledger, kind, key, message, args, tuple(orders)))
    return findings


def _masked(value: str) -> str:
    if value.isdigit() and len(value) == 11:
        return mask_mobile(value)
    if len(value) == 18 and value[:17].isdigit():
        return mask_id_number(value)
    return mask_name(value)


def _fingerprint(value: str) -> str:
    """A key for a customer that does not carry the customer's phone or ID number in the clear."""
    import hashlib

    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


def _period_end(q: _Query, t: Thresholds, period: Period) -> list[Finding]:
    """Orders crowded into the period's last days: counted per station in one query, the factor applied
    here (a Decimal), then the rows of the stations flagged read in one more."""
    cutoff = period.end - timedelta(days=t.end_days)  # the last days are those after it
    sql = """
        WITH base AS (SELECT station_id, occurred_on FROM {table} WHERE {where})
        SELECT station_id, COUNT(*), SUM(CASE WHEN occurred_on > %s THEN 1 ELSE 0 END) FROM base GROUP BY station_id
        HAVING SUM(CASE WHEN occurred_on > %s THEN 1 ELSE 0 END) >= %s
    """
    rest_days = Decimal(max((cutoff - period.start).days + 1, 1))
    flagged = {}
    for station_id, total, late in q.rows(sql, [cutoff, cutoff, t.end_min_orders]):
        rate = Decimal(late) / Decimal(t.end_days)
        rest = Decimal(total - late) / rest_days
        if rate >= t.end_factor * rest:
            flagged[station_id] = (int(late), rate, rest)
    if not flagged:
        return []
    orders: dict[int, list[tuple[int, date]]] = defaultdict(list)
    named = (
        "SELECT station_id, id, occurred_on FROM {table} WHERE {where} AND occurred_on > %s ORDER BY occurred_on, id"
    )
    for station_id, row_id, day in q.rows(named, [cutoff]):
        if station_id in flagged:
            orders[station_id].append((row_id, _day(day)))
    findings = []
    for station_id, (late, rate, rest) in flagged.items():
        message, args = _say(
            N_("考核期最后 %(days)s 天（%(start)s 起）有 %(count)s 单，日均 %(rate)s 单；本期其余日子日均 %(rest)s 单"),
            days=t.end_days,
            start=(cutoff + timedelta(days=1)).isoformat(),
            count=late,
            rate=_number(rate),
            rest=_number(rest),
        )
        key = f"{q.ledger}:period_end"
        findings.append(Finding(station_id, q.ledger, "period_end", key, message, args, tuple(orders[station_id])))
    return findings


def _backdated(q: _Query, t: Thresholds) -> list[Finding]:
    sql = f"""
        WITH late AS (
            SELECT id, station_id, occurred_on, {_recorded_day()} AS day FROM {{table}}
            WHERE {{where}} AND {_days_late()} >= %s
        ),
        counted AS (
            SELECT id, station_id, occurred_on, day, COUNT(*) OVER (PARTITION BY station_id, day) AS n FROM late
        )
        SELECT station_id, day, id, occurred_on FROM counted WHERE n >= %s ORDER BY station_id, day, occurred_on, id
    """  # noqa: S608
    groups: dict[tuple[int, date], list[tuple[int, date]]] = defaultdict(list)
    for station_id, day, row_id, occurred in q.rows(sql, [t.backdate_days, t.backdate_min_orders]):
        groups[(station_id, _day(day))].append((row_id, _day(occurred)))
    findings = []
    for (station_id, day), orders in groups.items():
        dates = [d for _id, d in orders]
        message, args = _say(
            N_("%(day)s 一天补登 %(count)s 单，均比订单日期晚 %(lag)s 天以上（订单日期 %(first)s 至 %(last)s）"),
            day=day.isoformat(),
            count=len(orders),
            lag=t.backdate_days,
            first=min(dates).isoformat(),
            last=max(dates).isoformat(),
        )
        findings.append(
            Finding(
                station_id,
                q.ledger,
                "backdated",
                f"{q.ledger}:backdated:{day.isoformat()}",
                message,
                args,
                tuple(orders),
            )
        )
    return findings


# -- orders far above the station's history and its band ---------------------------------------------


@dataclass(frozen=True)
class StationInfo:
    id: int
    population: int
    certified: date  # local date


def _volume(
    ledger: str,
    t: Thresholds,
    period: Period,
    stations: dict[int, StationInfo],
    band_of: Any,
    only: int | None,
) -> list[Finding]:
    """From the ledgers' monthly summary (no scan of the rows): the period's orders of every station of the
    county (for the band medians), the 12 months before of the station(s) looked at."""
    column = f"{ledger}_orders"
    history_start = date(period.start.year - 1, period.start.month, 1)
    period_orders = dict(
        StationMonth.objects.filter(station_id__in=stations, month__gte=period.start, month__lte=period.end)
        .order_by()
        .values("station_id")
        .annotate(n=Sum(column))
        .values_list("station_id", "n")
    )
    by_band: dict[int, dict[int, int]] = defaultdict(dict)
    for sid, info in stations.items():
        by_band[band_of(info.population)][sid] = int(period_orders.get(sid) or 0)
    looked_at = [only] if only is not None else list(stations)
    candidates = [sid for sid in looked_at if int(period_orders.get(sid) or 0) >= t.volume_min_orders]
    if not candidates:
        return []
    history = dict(
        StationMonth.objects.filter(station_id__in=candidates, month__gte=history_start, month__lt=period.start)
        .order_by()
        .values("station_id")
        .annotate(n=Sum(column))
        .values_list("station_id", "n")
    )
    # the county's records begin with its first month of any: months before it are no history (a county
    # that started on the system in January has none for its first half-year)
    first = StationMonth.objects.filter(station_id__in=stations).aggregate(first=Min("month"))["first"]
    findings = []
    for sid in candidates:
        info = stations[sid]
        count = Decimal(int(period_orders.get(sid) or 0))
        # both comparisons are needed: the other stations of its band, and its own past
        others = [n for other, n in by_band[band_of(info.population)].items() if other != sid]
        since = max(history_start, date(info.certified.year, info.certified.month, 1), first or period.start)
        months = (period.start.year - since.year) * 12 + period.start.month - since.month
        if not others or months <= 0:
            continue
        median = Decimal(str(statistics.median(others)))
        monthly = Decimal(int(history.get(sid) or 0)) / Decimal(months)
        expected = monthly * Decimal(period.months)
        if count < t.volume_median_factor * median or count < t.volume_history_factor * expected:
            continue
        message, args = _say(
            N_(
                "本期 %(count)s 单；本站此前 %(months)s 个月月均 %(monthly)s 单，折合本期 %(expected)s 单；"
                "全县同人口段其他服务站本期中位数 %(median)s 单"
            ),
            count=int(count),
            months=months,
            monthly=_number(monthly),
            expected=_number(expected),
            median=_number(median),
        )
        findings.append(Finding(sid, ledger, "volume", f"{ledger}:volume", message, args))
    return findings


# -- all of them -----------------------------------------------------------------------------------


def detect(
    county_code: str,
    period: Period,
    scheme_data: dict[str, Any],
    stations: Iterable[StationInfo],
    *,
    station_id: int | None = None,
) -> list[Finding]:
    """Every flag of the county's ``stations`` (those assessed for the period) in ``period``, or of the one
    station ``station_id``; by station, ledger and kind. Reads only; refreshes the monthly summary first."""
    from cunzhan.assessment.engine.scheme import parse_scheme
    from cunzhan.ledgers.aggregates import refresh_counties

    t = Thresholds.of(scheme_data)
    scheme = parse_scheme(scheme_data)
    assessed = {s.id: s for s in stations}
    refresh_counties([county_code])
    findings: list[Finding] = []
    for ledger in LEDGERS:
        q = _Query(ledger, county_code, period, station_id)
        findings += _bursts(q, t)
        findings += _repeats(q, t, "customer")
        findings += _repeats(q, t, "amount")
        findings += _period_end(q, t, period)
        findings += _backdated(q, t)
        findings += _volume(ledger, t, period, assessed, lambda p: scheme.target(p).min_population, station_id)
    order = {kind: i for i, kind in enumerate(("burst", "customer", "amount", "period_end", "backdated", "volume"))}
    kept = [f for f in findings if f.station_id in assessed]
    return sorted(kept, key=lambda f: (f.station_id, f.ledger != "purchase", order[f.kind], f.key))
