"""A year of realistic ledgers for many stations, generated inside PostgreSQL (``demo --scale province``).

Python decides how many rows each station records in each month — its tier, how busy it is and the
season (farm products at harvest, purchases and parcels before 双十一 and the Spring Festival) — and
sends that plan with COPY. PostgreSQL then expands the plan into rows with ``generate_series``, one
month of one ledger at a time, into a fresh table that is indexed after it is filled and attached as
that month's partition: building an index by sorting is many times faster than growing it row by row.
Every value is a function of the seed, the station, the month and the row number, so the same seed
gives the same rows. Row keys are what an import of the same rows would compute (MD5; a parcel's key
is its carrier and tracking number).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, connections

from cunzhan.core.dates import TIME_ZONE_NAME
from cunzhan.ledgers import partitions

# rows per month for a station of ordinary business, by tier: purchases, sales, parcels, services
BASE = {
    "county": (120, 40, 900, 60),
    "township": (45, 14, 320, 22),
    "village": (22, 7, 150, 12),
}
# month factors (index 0 = January)
PURCHASE_SEASON = (1.4, 0.8, 0.8, 0.9, 0.9, 1.0, 0.9, 0.9, 1.0, 1.1, 1.6, 1.3)
SALE_SEASON = (0.9, 0.6, 0.5, 0.5, 0.6, 1.2, 1.4, 1.5, 2.2, 2.5, 2.0, 1.2)  # harvest: June–November
PARCEL_SEASON = (1.3, 0.7, 0.9, 0.9, 0.9, 1.1, 0.9, 0.9, 1.0, 1.0, 1.8, 1.4)  # 双十一, the Spring Festival
SERVICE_SEASON = (1.2, 1.3, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 1.1, 1.0, 1.0, 1.1)
SEASONS = (PURCHASE_SEASON, SALE_SEASON, PARCEL_SEASON, SERVICE_SEASON)

PRODUCTS = (
    "复合肥",
    "玉米种子",
    "手机",
    "洗衣粉",
    "电饭煲",
    "农药",
    "猪饲料",
    "棉衣",
    "胶鞋",
    "奶粉",
    "电动车电池",
    "化肥",
)
FARM = ("红枣", "小米", "苹果", "核桃", "土豆", "粉条", "蜂蜜", "香菇", "杂粮礼盒", "羊肉")
GOODS = ("手工布鞋", "剪纸", "草编篮")
PLATFORMS = ("淘宝", "拼多多", "京东", "抖音", "快手", "微信小程序")
CARRIERS = ("中通", "圆通", "韵达", "申通", "邮政", "京东", "极兔")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "高", "郭", "马", "贺", "白")
GIVEN = ("秀英", "建国", "桂兰", "军", "红梅", "志强", "海燕", "伟", "小芳", "永平", "玉兰", "振华")
SERVICE_KINDS = ("payment", "payment", "payment", "credit", "ticket", "medical", "information", "other")


@dataclass(frozen=True)
class StationPlan:
    id: int
    county_code: str
    tier: str
    busy: float  # 0.2 (barely active) to 3 (the county's best)
    active_from: date  # no rows before (certification)


def _array(values: Iterable[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


# r(k): the k-th pseudo-random number (0 to 2^20 - 1) of a row: 20-bit slices of four 64-bit hashes of
# the plan's salt and the row number, computed once per row (the lateral ``h`` below)
def _r(k: int) -> str:
    return f"((h.x{k // 3} >> {20 * (k % 3)}) & 1048575)"


ROWS = (
    "CROSS JOIN LATERAL generate_series(1, p.n) AS g "
    "CROSS JOIN LATERAL (SELECT "
    + ", ".join(f"hashint8extended(p.salt * 100003 + g, {n}) AS x{n}" for n in range(4))
    + " OFFSET 0) AS h "
    # the row's day and moment (08:00 plus up to ten hours), once per row
    "CROSS JOIN LATERAL (SELECT ((h.x0 & 1048575) % p.days)::int AS d, p.opens + (((h.x0 & 1048575) % p.days) "
    "* 1440 + ((h.x0 >> 20) & 1048575) % 600) * interval '1 minute' AS at OFFSET 0) AS t"
)


def _pick(values: Iterable[str], k: int) -> str:
    values = list(values)
    return f"({_array(values)})[1 + {_r(k)} % {len(values)}]"


def _columns(kind: str) -> dict[str, str]:
    """Each column's SQL expression over the plan row ``p`` and the row number ``g``."""
    r = {f"r{k}": _r(k) for k in range(12)}
    # most rows recorded the same day; one in ten a day to a week later
    late = f"CASE WHEN {r['r2']} % 10 = 0 THEN (1 + {r['r2']} % 7) * interval '1 day' ELSE interval '0' END"
    common = {
        "station_id": "p.station_id",
        "county_code": "p.county_code",
        "occurred_on": "p.month + t.d",  # p.month: the first day rows may fall on
        "recorded_at": f"t.at + {late}",
    }
    key = "md5(p.salt::text || ':' || g::text)"
    person = f"{_pick(SURNAMES, 6)} || {_pick(GIVEN, 7)}"
    phone = f"'1' || (3 + {r['r8']} % 7)::text || lpad(((h.x3 & 2147483647) % 1000000000)::text, 9, '0')"
    if kind == "purchase":
        return {
            **common,
            "row_key": key,
            "product_name": _pick(PRODUCTS, 3),
            "quantity": f"1 + {r['r4']} % 5",
            "amount": f"(1500 + {r['r5']} % 118500) / 100.0",
            "platform": _pick(PLATFORMS, 10),
            "customer_name": person,
            "customer_phone": phone,
            "customer_id_number": "''",
        }
    if kind == "sale":
        return {
            **common,
            "row_key": key,
            "product_name": f"CASE WHEN {r['r3']} % 10 < 9 THEN {_pick(FARM, 4)} ELSE {_pick(GOODS, 4)} END",
            "quantity": f"1 + {r['r4']} % 50",
            "amount": f"(3000 + {r['r5']} % 297000) / 100.0",
            "platform": f"CASE WHEN {r['r10']} % 10 < 3 THEN '' ELSE {_pick(PLATFORMS, 10)} END",
            "via_county_centre": f"{r['r11']} % 10 < 3",
            "seller_household": person,
            "poor_household": f"{r['r8']} % 100 < 30",
            "farm_product": f"{r['r3']} % 10 < 9",
        }
    if kind == "parcel":
        arrived = "t.at"
        incoming = f"{r['r4']} % 10 < 8"
        # handed over within hours; now and then only after two or three days
        hours = f"CASE WHEN {r['r10']} % 25 = 0 THEN 50 + {r['r11']} % 30 ELSE 1 + {r['r11']} % 20 END"
        return {
            **common,
            "recorded_at": f"{arrived} + interval '20 minutes'",
            "row_key": "''",  # its carrier and tracking number: _DERIVED
            "direction": f"CASE WHEN {incoming} THEN 'in' ELSE 'out' END",
            "carrier": _pick(CARRIERS, 3),
            "tracking_no": "'T' || to_char(p.month, 'YYMM') || lpad(p.station_id::text, 7, '0') "
            "|| lpad(g::text, 5, '0')",
            "arrived_at": arrived,
            "notified_at": f"CASE WHEN {incoming} THEN {arrived} + (5 + {r['r5']} % 235) * interval '1 minute' END",
            "handed_over_at": f"{arrived} + ({hours}) * interval '1 hour'",
            "handover_list_no": "'JJ' || to_char(p.month, 'YYYYMM') || p.station_id::text",
            "recipient_phone": f"CASE WHEN {incoming} THEN {phone} ELSE '' END",
        }
    return {
        **common,
        "row_key": key,
        "service_kind": _pick(SERVICE_KINDS, 3),
        "amount": f"CASE WHEN {r['r4']} % 8 < 3 THEN (1000 + {r['r5']} % 29000) / 100.0 ELSE 0 END",
        "customer_name": person,
        "customer_phone": f"CASE WHEN {r['r10']} % 2 = 0 THEN {phone} ELSE '' END",
        "note": "''",
    }


# computed from the other columns of the row
_DERIVED = {
    "parcel": {
        "row_key": "md5(carrier || E'\\t' || tracking_no)",
        "handed_over_at": "CASE WHEN handed_over_at <= now() THEN handed_over_at END",
    }
}


KINDS = ("purchase", "sale", "parcel", "service")


def monthly_counts(stations: list[StationPlan], months: list[date], today: date, seed: int) -> list[tuple]:
    """(station id, county code, month, days, counts per ledger…, salt) for every station-month; the
    current month's rows stop at ``today``."""
    rng = random.Random(seed)  # noqa: S311  demo data, not secrets
    plan = []
    for s in stations:
        base = BASE.get(s.tier, BASE["village"])
        for first in months:
            end = min(partitions.add_months(first, 1), today + timedelta(days=1))
            if end <= s.active_from or end <= first:
                continue
            start = max(first, s.active_from)
            share = (end - start).days / 30.4
            counts = []
            for k in range(4):
                mean = base[k] * SEASONS[k][first.month - 1] * s.busy * share
                counts.append(max(0, round(rng.gauss(mean, math.sqrt(mean) + 0.5))))
            # rows fall on the days from the first of the month (or the certification) to the month's end
            plan.append((s.id, s.county_code, start, (end - start).days, *counts, rng.getrandbits(40)))
    return plan


def load_months(
    stations: list[StationPlan],
    months: list[date],
    *,
    today: date,
    seed: int,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
) -> dict[str, int]:
    """Generate the ledgers of ``stations`` for ``months`` (first days); rows written per ledger.
    PostgreSQL only. Two connections work on different months at once."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the province generator needs PostgreSQL")
    partitions.ensure(months[0], months[-1])
    plan = monthly_counts(stations, months, today, seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS ledgers_generation_plan (station_id bigint, county_code varchar(6), "
            "month date, days int, purchase int, sale int, parcel int, service int, salt bigint)"
        )
        cursor.execute("TRUNCATE ledgers_generation_plan")
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS ledgers_generation_activity (station_id bigint, t timestamptz)"
        )
        cursor.execute("TRUNCATE ledgers_generation_activity")
        with cursor.cursor.copy("COPY ledgers_generation_plan FROM STDIN") as copy:
            for row in plan:
                copy.write_row(row)
    tasks = [(kind, month) for month in months for kind in KINDS]
    totals = dict.fromkeys(KINDS, 0)

    def run(task: tuple[str, date]) -> tuple[str, int]:
        try:
            return task[0], _load_month(connections["default"], *task)
        finally:
            connections["default"].close()  # each worker thread has its own connection

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for kind, n in pool.map(run, tasks):
            totals[kind] += n
            if progress:
                progress(n)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE stations_station s SET last_activity_at = GREATEST(s.last_activity_at, a.t) "
            "FROM (SELECT station_id, max(t) AS t FROM ledgers_generation_activity GROUP BY 1) AS a "
            "WHERE s.id = a.station_id"
        )
        cursor.execute("DROP TABLE ledgers_generation_plan, ledgers_generation_activity")
        # vacuumed, not only analyzed: the visibility map lets a county's counts read its index alone
        # (a county office's parcel count: 115 ms instead of 350 ms on the generated province)
        for table in partitions.TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return totals


# the monthly aggregate columns each ledger fills (ledgers.StationMonth), as SQL over its rows
AGGREGATES = {
    "purchase": {"purchase_orders": "count(*)", "purchase_amount": "sum(amount)"},
    "sale": {
        "sale_orders": "count(*)",
        "sale_amount": "sum(amount)",
        "farm_orders": "count(*) FILTER (WHERE farm_product)",
        "farm_amount": "coalesce(sum(amount) FILTER (WHERE farm_product), 0)",
    },
    "parcel": {
        "parcels_in": "count(*) FILTER (WHERE direction = 'in')",
        "parcels_out": "count(*) FILTER (WHERE direction = 'out')",
    },
    "service": {"services": "count(*)", "services_amount": "sum(amount)"},
}


def _aggregate(cursor, kind: str, table: str) -> None:
    """Write the month's per-station aggregates of one ledger (the other ledgers' columns are kept),
    and note each station's newest entry. One worker at a time: they touch the same rows."""
    mine = AGGREGATES[kind]
    cursor.execute("SELECT pg_advisory_lock(hashtext('cunzhan.ledgers.generate'))")
    every = [column for columns in AGGREGATES.values() for column in columns]
    values = [mine.get(column, "0") for column in every]
    cursor.execute(
        f"INSERT INTO ledgers_stationmonth (station_id, county_code, month, {', '.join(every)}) "  # noqa: S608
        f"SELECT station_id, county_code, date_trunc('month', occurred_on)::date, {', '.join(values)} "
        f'FROM "{table}" GROUP BY 1, 2, 3 '
        "ON CONFLICT (station_id, month) DO UPDATE SET " + ", ".join(f"{column} = EXCLUDED.{column}" for column in mine)
    )
    cursor.execute("SELECT pg_advisory_unlock(hashtext('cunzhan.ledgers.generate'))")
    # the stations' last activity is set once at the end: an update per month would leave the
    # stations table with dozens of dead row versions per station
    cursor.execute(
        "INSERT INTO ledgers_generation_activity SELECT station_id, max(recorded_at) "  # noqa: S608
        f'FROM "{table}" GROUP BY 1'
    )


def _load_month(conn, kind: str, month: date) -> int:
    """One month of one ledger: filled unindexed, indexed by sorting, attached as the month's partition
    (with the rows the partition held before, such as the county demo's)."""
    table = dict(zip(KINDS, partitions.TABLES, strict=True))[kind]
    name = partitions.partition_name(table, month)
    staging = f"{name}_new"
    columns = _columns(kind)
    derived = _DERIVED.get(kind, {})
    salt = KINDS.index(kind)  # the four ledgers of a station-month draw different numbers
    with conn.cursor() as cursor:
        cursor.execute("SET jit = off")  # compiling these expressions costs more than it saves
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i WHERE indrelid = "
            "%s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]  # looked up once: as an expression it would be once per row
        cursor.execute(f'DROP TABLE IF EXISTS "{staging}"')
        cursor.execute(
            f'CREATE TABLE "{staging}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)'
        )
        inner = ", ".join(f"{expression} AS {column}" for column, expression in columns.items())
        outer = ", ".join(derived.get(column, column) for column in columns)
        names = ", ".join(columns)
        cursor.execute(
            f'INSERT INTO "{staging}" (id, {names}) '  # noqa: S608
            f"SELECT nextval('{sequence}'), {outer} FROM ("
            f"SELECT {inner} FROM (SELECT station_id, county_code, month, days, {kind} AS n, "
            f"salt * 4 + {salt} AS salt, (month + time '08:00') AT TIME ZONE '{TIME_ZONE_NAME}' AS opens "
            f"FROM ledgers_generation_plan WHERE date_trunc('month', month) = DATE '{month.isoformat()}') AS p "
            f"{ROWS}) AS generated"  # no parameters: % is modulo here
        )
        count = cursor.rowcount
        cursor.execute(f'INSERT INTO "{staging}" SELECT * FROM "{name}"')  # noqa: S608
        _aggregate(cursor, kind, staging)
        cursor.execute(f'DROP TABLE "{name}"')  # its rows are in the new table; nobody else writes meanwhile
        for n, (_constraint, definition) in enumerate(constraints):
            cursor.execute(f'ALTER TABLE "{staging}" ADD CONSTRAINT "{name}_c{n}" {definition}')
        for n, (index, definition) in enumerate(indexes):
            cursor.execute(
                definition.replace(f"INDEX {index} ON ONLY public.{table} ", f'INDEX "{name}_i{n}" ON "{staging}" ')
            )
        bounds = f"FROM ('{month.isoformat()}') TO ('{partitions.add_months(month, 1).isoformat()}')"
        cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{staging}" FOR VALUES {bounds}')
        cursor.execute(f'ALTER TABLE "{staging}" RENAME TO "{name}"')
    return count
