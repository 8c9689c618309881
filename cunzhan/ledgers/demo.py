"""Demo ledgers: a plausible 2025 and 2026-to-date for every demo station, deterministic (fixed
seed), bulk-inserted, each ledger's rows under one demo ImportBatch. Idempotent."""

from __future__ import annotations

import random
import zlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from cunzhan.core.dates import SHANGHAI
from cunzhan.core.privacy import id_check_character
from cunzhan.ledgers.importers import parcel_key
from cunzhan.ledgers.models import MODEL_BY_KIND, Direction, ImportBatch, Kind, ServiceKind
from cunzhan.stations.models import Station, Tier

FIRST_DAY = date(2025, 1, 1)
# yearly volumes by tier: (purchases, sales, parcels, services)
VOLUME = {Tier.COUNTY_CENTRE: (80, 60, 180, 40), Tier.TOWNSHIP: (100, 30, 150, 50), Tier.VILLAGE: (60, 15, 90, 40)}
PRODUCTS = [
    "复合肥 50kg",
    "玉米种子",
    "地膜",
    "洗衣液",
    "电饭煲",
    "老人手机",
    "羽绒服",
    "儿童奶粉",
    "农用喷雾器",
    "电动车电池",
]
PLATFORMS = ["拼多多", "淘宝", "京东", "抖音"]
FARM_PRODUCTS = ["佳县红枣", "小米", "手工挂面", "土鸡蛋", "脐橙", "蜂蜜", "核桃", "红薯粉条"]
INDUSTRIAL = ["农资套装", "家电下乡冰箱"]
CARRIERS = ["中通", "圆通", "韵达", "申通", "邮政", "极兔"]
SURNAMES = "王李张刘陈杨赵黄周吴高郭"
GIVEN = ["秀英", "建国", "桂兰", "志强", "海燕", "红梅", "文斌", "玉兰"]


def _moment(day: date, rng: random.Random, start: int = 8, end: int = 19) -> datetime:
    return datetime.combine(day, time(rng.randrange(start, end), rng.randrange(60)), tzinfo=SHANGHAI)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _id_number(rng: random.Random, county: str) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    first17 = f"{county}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_character(first17)


def _days(rng: random.Random, per_year: int, today: date) -> list[date]:
    span = (today - FIRST_DAY).days + 1
    count = per_year * span // 365
    return sorted(FIRST_DAY + timedelta(days=rng.randrange(span)) for _ in range(count))


def _recorded(day: date, rng: random.Random, now: datetime) -> datetime:
    # most entries are made the same day, some a few days late (the assessment rates timeliness)
    late = 0 if rng.random() < 0.8 else rng.randrange(1, 6)
    return min(_moment(day + timedelta(days=late), rng, 17, 22), now)


def _db_value(value, postgres: bool):
    if isinstance(value, datetime):
        return value if postgres else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool) and not postgres:
        return int(value)
    return value


def _insert(model, rows: list[dict]) -> None:
    """One batched INSERT of plain rows: model instances would make the demo slow to load."""
    if not rows:
        return
    postgres = connection.vendor == "postgresql"
    names = list(rows[0])
    columns = [model._meta.get_field(name).column for name in names]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[_db_value(row[name], postgres) for name in names] for row in rows])


def load_ledgers(ctx) -> None:
    if ImportBatch.objects.filter(is_demo=True).exists():
        ctx.write("台账：演示数据已存在")
        return
    rng = random.Random(20250101)  # noqa: S311  demo data, not secrets
    now = timezone.now()
    today = timezone.localdate()
    stations = list(Station.objects.filter(is_demo=True).order_by("code"))
    batches = {
        kind: ImportBatch.objects.create(
            kind=kind, file_name="演示数据", digest="demo", region_code="", is_demo=True, started_at=now
        )
        for kind in Kind.values
    }
    rows: dict[str, list[dict]] = {kind: [] for kind in Kind.values}
    for station in stations:
        purchases, sales, parcels, services = VOLUME.get(station.tier, VOLUME[Tier.VILLAGE])
        # some stations are much busier than others, so the assessment shows a spread of grades
        busy = (1, 2, 3, 5)[zlib.crc32(station.code.encode()) % 4]
        purchases, sales = purchases * busy, sales * busy
        common = {"station_id": station.pk, "county_code": station.county_code}

        def key() -> str:
            return f"{rng.getrandbits(128):032x}"

        for day in _days(rng, purchases, today):
            rows[Kind.PURCHASE].append(
                dict(
                    **common,
                    occurred_on=day,
                    recorded_at=_recorded(day, rng, now),
                    batch_id=batches[Kind.PURCHASE].pk,
                    row_key=key(),
                    product_name=rng.choice(PRODUCTS),
                    quantity=Decimal(rng.randrange(1, 6)),
                    amount=Decimal(rng.randrange(1500, 120000)) / 100,
                    platform=rng.choice(PLATFORMS),
                    customer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    customer_phone=_phone(rng),
                    customer_id_number=_id_number(rng, station.county_code) if rng.random() < 0.15 else "",
                )
            )
        for day in _days(rng, sales, today):
            farm = rng.random() < 0.85
            rows[Kind.SALE].append(
                dict(
                    **common,
                    occurred_on=day,
                    recorded_at=_recorded(day, rng, now),
                    batch_id=batches[Kind.SALE].pk,
                    row_key=key(),
                    product_name=rng.choice(FARM_PRODUCTS if farm else INDUSTRIAL),
                    quantity=Decimal(rng.randrange(1, 50)),
                    amount=Decimal(rng.randrange(3000, 300000)) / 100,
                    platform="" if rng.random() < 0.3 else rng.choice(PLATFORMS),
                    via_county_centre=rng.random() < 0.3,
                    seller_household=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    poor_household=rng.random() < 0.35,
                    farm_product=farm,
                )
            )
        for n, day in enumerate(_days(rng, parcels, today)):
            arrived = _moment(day, rng)
            incoming = rng.random() < 0.8
            recent = (today - day).days <= 4
            notified = arrived + timedelta(minutes=rng.randrange(5, 240)) if incoming else None
            handed = None
            if not (incoming and recent and rng.random() < 0.6):
                handed = arrived + timedelta(hours=rng.choice([2, 5, 20, 30, 60]))
            carrier = rng.choice(CARRIERS)
            tracking = f"{station.code.replace('-', '')}{n:06d}"
            rows[Kind.PARCEL].append(
                dict(
                    **common,
                    occurred_on=day,
                    recorded_at=min(arrived + timedelta(minutes=30), now),
                    batch_id=batches[Kind.PARCEL].pk,
                    row_key=parcel_key(carrier, tracking),
                    direction=Direction.IN if incoming else Direction.OUT,
                    carrier=carrier,
                    tracking_no=tracking,
                    arrived_at=min(arrived, now),
                    notified_at=min(notified, now) if notified else None,
                    handed_over_at=min(handed, now) if handed and handed < now else None,
                    handover_list_no=f"JJ{day:%Y%m%d}{station.pk:03d}",
                    recipient_phone=_phone(rng) if incoming else "",
                )
            )
        for day in _days(rng, services, today):
            kind = rng.choice(ServiceKind.values)
            rows[Kind.SERVICE].append(
                dict(
                    **common,
                    occurred_on=day,
                    recorded_at=_recorded(day, rng, now),
                    batch_id=batches[Kind.SERVICE].pk,
                    row_key=key(),
                    service_kind=kind,
                    amount=Decimal(rng.randrange(1000, 30000)) / 100 if kind == ServiceKind.PAYMENT else Decimal(0),
                    customer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    customer_phone=_phone(rng) if rng.random() < 0.5 else "",
                    note="",
                )
            )
    for kind, entries in rows.items():
        _insert(MODEL_BY_KIND[kind], entries)
        batch = batches[kind]
        batch.rows_read = batch.rows_created = len(entries)
        batch.finished_at = timezone.now()
        batch.save(update_fields=["rows_read", "rows_created", "finished_at"])
    from cunzhan.ledgers.services import refresh_last_activity

    refresh_last_activity([s.pk for s in stations])
    ctx.write("台账：" + "，".join(f"{Kind(k).label} {len(v)} 条" for k, v in rows.items()))
