"""A province's worth of realistic data (``cunzhan demo --scale province``): deterministic by seed.

On top of the county demo (whose counties keep their own stations), every other county of 陕西省
gets an operating company, a county office, an operator and a supervisor account; a county centre,
township stations and village points, 17,000 stations in all, each with a keeper account; a year of
ledgers (about 50 million rows, generated inside PostgreSQL: :mod:`cunzhan.ledgers.generate`); two
trainings and a 双十一 campaign per county with attendance and participation; an inspection per
station and half-year; complaints and daily-supervision events; monthly reports, some late, some
missed; the maintained monthly aggregates. Bulk rows go in with COPY. PostgreSQL only.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from cunzhan.core import dates
from cunzhan.core.dates import SHANGHAI

PROVINCE = "61"
STATIONS = 17_000

Write = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    seed: int = 2025
    stations: int = STATIONS
    today: date | None = None  # the data's "now": the twelve months up to its month are generated

    @property
    def day(self) -> date:
        return self.today or dates.local_now().date()

    @property
    def months(self) -> list[date]:
        from cunzhan.ledgers.partitions import add_months

        current = self.day.replace(day=1)
        return [add_months(current, n) for n in range(-11, 1)]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows (sequences of Python values) into ``table``; the number copied."""
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def generate(options: Options, write: Write, progress_bar: Callable | None = None) -> dict[str, int]:
    """Load the province; counts of what was made. Refuses a database that already holds it."""
    from cunzhan.stations.models import Station

    if connection.vendor != "postgresql":
        raise RuntimeError("省级规模数据只能生成在 PostgreSQL 上（设置 DATABASE_URL）")
    if Station.objects.filter(code__startswith="SX").exists():
        write("省级数据已存在，跳过")
        return {}
    started = time.monotonic()
    rng = random.Random(options.seed)  # noqa: S311  demo data, not secrets
    counts: dict[str, int] = {}

    def step(label: str, func, *args):
        t = time.monotonic()
        result = func(*args)
        write(f"  {label}：{time.monotonic() - t:.0f} 秒")
        return result

    with transaction.atomic():
        counties, villages, towns = step("区划", _regions)
        units, staff = step("运营单位与县级账号", _county_staff, counties)
        stations = step("服务站", _stations, counties, villages, towns, units, options, rng)
        counts["stations"] = len(stations)
        counts["keepers"] = step("站长账号", _keepers, stations)
    from cunzhan.ledgers import generate as ledgers

    plans = [
        ledgers.StationPlan(
            id=s.pk,
            county_code=s.county_code,
            tier=s.tier,
            busy=_busy(rng),
            active_from=s.certified_at.astimezone(SHANGHAI).date(),
        )
        for s in stations
    ]
    expected = sum(sum(row[4:8]) for row in ledgers.monthly_counts(plans, options.months, options.day, options.seed))
    write(f"  台账：{options.months[0]:%Y-%m} 至 {options.months[-1]:%Y-%m}，约 {expected:,} 行")
    t = time.monotonic()
    bar = progress_bar(total=expected, unit="行", unit_scale=True) if progress_bar else None
    totals = ledgers.load_months(
        plans, options.months, today=options.day, seed=options.seed, progress=bar.update if bar else None
    )
    if bar:
        bar.close()
    write(f"  台账：{sum(totals.values()):,} 行，{time.monotonic() - t:.0f} 秒")
    counts.update({f"ledger_{k}": v for k, v in totals.items()})
    with transaction.atomic():
        counts.update(step("培训与营销活动", _activities, counties, stations, staff, options, rng))
        counts.update(step("督查、投诉与日常督查", _supervision, stations, staff, options, rng))
        counts["reports"] = step("月报", _reports, stations, options)
    step("汇总状态与统计信息", _aggregates, [c.code for c in counties])
    write(f"省级数据生成完毕，用时 {(time.monotonic() - started) / 60:.1f} 分钟")
    return counts


def _latest(month: int, day: int, first: date, last: date) -> date:
    """The latest ``month``/``day`` between ``first`` and ``last`` (the window is a year long)."""
    candidate = date(last.year, month, day)
    return candidate if candidate <= last else date(last.year - 1, month, day)


def _busy(rng: random.Random) -> float:
    """How busy a station is: most ordinary, some idle, a few the county's stars."""
    roll = rng.random()
    if roll < 0.03:
        return 0.05  # barely active (the zombie list's candidates)
    return min(3.0, max(0.2, rng.lognormvariate(0, 0.45)))


def _regions():
    from cunzhan.regions.importers import import_regions
    from cunzhan.regions.models import Level, Region
    from cunzhan.stations.models import Station

    import_regions(only=PROVINCE)
    taken = set(Station.objects.values_list("county_code", flat=True).distinct())
    counties = [
        c
        for c in Region.objects.filter(code__startswith=PROVINCE, level=Level.COUNTY).order_by("code")
        if c.code not in taken
    ]
    codes = {c.code for c in counties}
    villages: dict[str, list[str]] = {code: [] for code in codes}
    towns: dict[str, list[str]] = {code: [] for code in codes}
    for code, level in Region.objects.filter(
        code__startswith=PROVINCE, level__in=[Level.TOWNSHIP, Level.VILLAGE]
    ).values_list("code", "level"):
        if code[:6] in codes:
            (towns if level == Level.TOWNSHIP else villages)[code[:6]].append(code)
    return [c for c in counties if villages[c.code]], villages, towns


def _county_staff(counties):
    from cunzhan.accounts.demo import DEMO_PASSWORD
    from cunzhan.accounts.models import User
    from cunzhan.core.roles import Role
    from cunzhan.stations.models import OperatingUnit

    units = OperatingUnit.objects.bulk_create(
        OperatingUnit(name=f"{c.name}电商运营有限公司", county=c, contact_person="运营负责人", is_demo=True)
        for c in counties
    )
    password = _password_hash(DEMO_PASSWORD)
    staff = []
    for county, unit in zip(counties, units, strict=True):
        common = {"password": password, "is_demo": True, "must_change_password": False}
        staff += [
            User(username=f"county-{county.code}", display_name=f"{county.name}电商办", role=Role.COUNTY_OFFICE,
                 region=county, **common),
            User(username=f"operator-{county.code}", display_name=f"{county.name}运营", role=Role.OPERATOR,
                 operating_unit=unit, **common),
            User(username=f"supervisor-{county.code}", display_name=f"{county.name}督查员", role=Role.SUPERVISOR,
                 region=county, **common),
        ]  # fmt: skip
    User.objects.bulk_create(staff, batch_size=2000)
    by_county = {}
    for user in User.objects.filter(username__regex=r"^(county|operator|supervisor)-\d{6}$"):
        by_county[(user.username.split("-")[1], user.role)] = user
    return {unit.county_id: unit for unit in units}, by_county


def _password_hash(password: str) -> str:
    from django.contrib.auth.hashers import make_password

    # one hash for every generated account: hashing 17,000 passwords would take most of an hour
    return make_password(password)


def _stations(counties, villages, towns, units, options: Options, rng: random.Random):
    from cunzhan.stations.models import Station, Status, Tier

    total_villages = sum(len(villages[c.code]) for c in counties)
    budget = options.stations - Station.objects.filter(county_code__startswith=PROVINCE).count()
    stations = []
    for county in counties:
        share = max(3, round(budget * len(villages[county.code]) / total_villages))
        county_towns = towns[county.code] or [county.code]
        places = [(Tier.COUNTY_CENTRE, county_towns[0])]
        places += [(Tier.TOWNSHIP, t) for t in county_towns[: max(1, min(len(county_towns), share // 8))]]
        spots = villages[county.code]
        step = max(1, len(spots) // max(1, share - len(places)))
        places += [(Tier.VILLAGE, v) for v in spots[::step]]
        for n, (tier, region) in enumerate(places[:share], start=1):
            certified = date(2019, 1, 1) + timedelta(days=rng.randrange((options.day - date(2019, 1, 1)).days - 400))
            roll = rng.random()
            status = Status.OPERATING
            if roll < 0.03:  # certified these last months: in incubation
                certified = options.day - timedelta(days=rng.randrange(20, 150))
                status = Status.INCUBATION
            elif roll < 0.05:
                status = Status.RECTIFYING
            population = {
                Tier.COUNTY_CENTRE: rng.randint(60_000, 350_000),
                Tier.TOWNSHIP: rng.randint(6_000, 40_000),
                Tier.VILLAGE: max(300, int(rng.lognormvariate(math.log(1100), 0.5))),
            }[tier]
            stations.append(
                Station(
                    code=f"SX{county.code}{n:04d}",
                    name=_station_name(county.name, tier, n),
                    tier=tier,
                    region_id=region,
                    county_code=county.code,
                    operating_unit=units[county.code],
                    status=status,
                    is_demo=True,
                    resident_population=population,
                    poor_share=Decimal(rng.randint(2, 30)),
                    usable_area=Decimal({Tier.COUNTY_CENTRE: 400, Tier.TOWNSHIP: 60, Tier.VILLAGE: 25}[tier]),
                    has_broadband=True,
                    has_terminal=True,
                    has_shelves=True,
                    has_display_cabinet=rng.random() < 0.9,
                    has_parcel_facilities=True,
                    certified_at=_at(certified, 9),
                    status_changed_at=_at(certified, 9),
                    platforms="淘宝、拼多多、京东",
                    opening_hours="08:00-19:00",
                )
            )
    if len(stations) > budget:  # rounding: trim the last villages
        stations = stations[:budget]
    Station.objects.bulk_create(stations, batch_size=2000)
    return list(Station.objects.filter(code__startswith="SX").order_by("pk"))


def _station_name(county: str, tier: str, n: int) -> str:
    label = {"county": "县级电子商务运营中心", "township": "镇电商服务站", "village": "村电商服务点"}[tier]
    return f"{county}{label}" if tier == "county" else f"{county}第{n}{label}"


def _keepers(stations) -> int:
    from cunzhan.accounts.demo import DEMO_PASSWORD
    from cunzhan.accounts.models import User
    from cunzhan.core.roles import Role

    password = _password_hash(DEMO_PASSWORD)
    keepers = [
        User(
            username=f"keeper-{s.code[2:]}",
            display_name=f"{s.name}站长",
            role=Role.KEEPER,
            station=s,
            password=password,
            is_demo=True,
            must_change_password=False,
        )
        for s in stations
    ]
    User.objects.bulk_create(keepers, batch_size=2000)
    return len(keepers)


def _by_county(stations) -> dict[str, list]:
    result: dict[str, list] = {}
    for s in stations:
        result.setdefault(s.county_code, []).append(s)
    return result


def _activities(counties, stations, staff, options: Options, rng: random.Random) -> dict[str, int]:
    from cunzhan.activities.models import (
        AttendanceStatus,
        ExamResult,
        MarketingActivity,
        Training,
    )
    from cunzhan.core.roles import Role

    first, today = options.months[0], options.day
    statuses = [AttendanceStatus.PRESENT] * 16 + [
        AttendanceStatus.LATE,
        AttendanceStatus.LEAVE,
        AttendanceStatus.ABSENT,
        AttendanceStatus.EARLY_LEAVE,
    ]
    attendance = participation = reports = 0
    by_county = _by_county(stations)
    for county in counties:
        members = by_county.get(county.code, [])
        if not members:
            continue
        operator = staff[(county.code, Role.OPERATOR)]
        office = staff[(county.code, Role.COUNTY_OFFICE)]
        for month, topic in ((3, "农村电商实务与直播带货"), (9, "农产品上行：品牌、包装与冷链")):
            day = _latest(month, 12, first, today)
            training = Training.objects.create(
                county=county,
                organiser=f"{county.name}电商办",
                topic=topic,
                start_date=day,
                days=Decimal(1),
                location=f"{county.name}电子商务公共服务中心",
                created_by=office,
                is_demo=True,
            )
            owed = [s for s in members if s.certified_at.astimezone(SHANGHAI).date() <= day]
            training.required_stations.set(owed)
            attendance += copy_rows(
                "activities_attendance",
                ["training_id", "station_id", "person_name", "phone", "status", "test_result", "note",
                 "recorded_by_id", "recorded_at"],
                (
                    (training.pk, s.pk, "站长", "", status, ExamResult.PASS if rng.random() < 0.92 else ExamResult.FAIL,
                     "", office.pk, _at(day, 17))
                    for s in owed
                    if (status := rng.choice(statuses)) is not None
                ),
            )  # fmt: skip
        start = _latest(11, 1, first, today - timedelta(days=20))
        year = start.year
        activity = MarketingActivity.objects.create(
            county=county,
            organiser=operator.display_name,
            title="双十一农特产品网络促销",
            start_date=start,
            end_date=date(year, 11, 11),
            description="各站组织农户上架农特产品，参加平台促销",
            report_due_at=_at(date(year, 11, 20), 18),
            created_by=operator,
            is_demo=True,
        )
        owed = [s for s in members if s.certified_at.astimezone(SHANGHAI).date() <= start]
        activity.required_stations.set(owed)
        joined = [s for s in owed if rng.random() < 0.9]
        participation += copy_rows(
            "activities_participation",
            ["activity_id", "station_id", "participated", "note", "recorded_by_id", "recorded_at"],
            ((activity.pk, s.pk, s in joined, "", operator.pk, _at(date(year, 11, 12), 9)) for s in owed),
        )
        reports += copy_rows(
            "activities_activityreport",
            ["activity_id", "station_id", "orders", "sales_amount", "note", "submitted_by_id", "submitted_at"],
            (
                (activity.pk, s.pk, (n := rng.randint(5, 300)), Decimal(n * rng.randint(30, 90)), "", operator.pk,
                 _at(date(year, 11, rng.choice([14, 16, 18, 19, 25])), 16))
                for s in joined
            ),
        )  # fmt: skip
    return {"attendance": attendance, "participation": participation, "activity_reports": reports}


def _supervision(stations, staff, options: Options, rng: random.Random) -> dict[str, int]:
    from cunzhan.core.roles import Role
    from cunzhan.supervision.models import ComplaintKind, EventKind, Inspection, VerificationStatus
    from cunzhan.supervision.rating_items import RATING_ITEMS

    first, today = options.months[0], options.day
    inspections = []
    quality = {s.pk: rng.uniform(0.55, 1.0) for s in stations}
    halves = [(f"H{n}", _latest(month, 10, first, today)) for n, month in ((1, 6), (2, 12))]
    for half, day in halves:
        for s in stations:
            if s.certified_at.astimezone(SHANGHAI).date() > day:
                continue
            inspector = staff[(s.county_code, Role.SUPERVISOR)]
            inspections.append(
                Inspection(
                    station_id=s.pk,
                    year=day.year,
                    half=half,
                    inspector=inspector,
                    inspected_at=_at(day - timedelta(days=rng.randrange(20)), rng.randint(9, 16)),
                    note="",
                    is_demo=True,
                )
            )
    Inspection.objects.bulk_create(inspections, batch_size=5000)
    rows = copy_rows(
        "supervision_inspectionrating",
        ["inspection_id", "key", "score", "comment"],
        (
            (i.pk, item.key, score, "" if score == item.max else "现场察看发现不足，已当场指出")
            for i in Inspection.objects.filter(station__code__startswith="SX").only("pk", "station_id")
            for item in RATING_ITEMS
            if (score := _score(rng, item.max, quality[i.station_id])) is not None
        ),
    )
    complaints = events = 0
    complaint_rows, event_rows = [], []
    for s in stations:
        office = staff[(s.county_code, Role.COUNTY_OFFICE)]
        if rng.random() < 0.04:
            day = first + timedelta(days=rng.randrange((today - first).days))
            verified = rng.random() < 0.6
            complaint_rows.append(
                (s.pk, ComplaintKind.PARCEL, _at(day, 11), "村民", "", "快递到站两天未通知取件",
                 VerificationStatus.VERIFIED if verified else VerificationStatus.REJECTED,
                 "电话回访核实" if verified else "核查无此情况", "", office.pk, _at(day, 12), office.pk,
                 _at(day + timedelta(days=2), 15), True)
            )  # fmt: skip
        if rng.random() < 0.015:
            day = first + timedelta(days=rng.randrange((today - first).days))
            event_rows.append(
                (s.pk, EventKind.POOR_PERFORMANCE, day, "日常督查发现台账登记滞后、站内卫生较差", "督查记录", "",
                 VerificationStatus.VERIFIED, "属实", office.pk, _at(day, 15), office.pk, _at(day, 17), True)
            )  # fmt: skip
    complaints = copy_rows(
        "supervision_complaint",
        ["station_id", "kind", "received_at", "complainant", "complainant_phone", "description", "status",
         "evidence", "evidence_photo", "recorded_by_id", "recorded_at", "verified_by_id", "verified_at", "is_demo"],
        complaint_rows,
    )  # fmt: skip
    events = copy_rows(
        "supervision_supervisionevent",
        ["station_id", "kind", "occurred_on", "description", "evidence", "evidence_photo", "status",
         "verification_note", "recorded_by_id", "recorded_at", "verified_by_id", "verified_at", "is_demo"],
        event_rows,
    )  # fmt: skip
    return {"inspections": len(inspections), "ratings": rows, "complaints": complaints, "events": events}


def _score(rng: random.Random, maximum: Decimal, quality: float) -> Decimal:
    if rng.random() < quality:
        return maximum
    steps = int(maximum * 2)
    return Decimal(rng.randint(steps // 2, steps - 1)) / 2


def _reports(stations, options: Options) -> int:
    """Monthly reports of the months before the current one (weekly reports are off in these
    counties): most on the 3rd, about one in eight late, one in twelve never filed."""
    import zlib

    from cunzhan.reports.models import Report, ReportSettings
    from cunzhan.reports.status import monthly_period

    counties = sorted({s.county_code for s in stations})
    ReportSettings.objects.bulk_create(
        [ReportSettings(county_id=code, weekly_enabled=False) for code in counties], ignore_conflicts=True
    )
    defaults = ReportSettings(weekly_enabled=False)
    periods = {m: monthly_period(defaults, m.year, m.month) for m in options.months[:-1]}
    rows = []
    for s in stations:
        for month, period in periods.items():
            if s.certified_at >= period.opens_at:
                continue
            roll = zlib.crc32(f"{s.code}{month}".encode()) % 24
            if roll < 2:
                continue
            next_year, next_month = dates.add_months(month.year, month.month, 1)
            submitted = _at(dates.month_first(next_year, next_month) + timedelta(days=7 if roll < 5 else 2), 18)
            rows.append(
                Report(
                    station_id=s.pk,
                    county_code=s.county_code,
                    kind="monthly",
                    period_start=period.start,
                    period_end=period.end,
                    due_at=period.due_at,
                    grace_end=period.grace_end,
                    first_submitted_at=submitted,
                    version=1,
                    updated_at=submitted,
                )
            )
    n = len(Report.objects.bulk_create(rows, batch_size=5000))
    with connection.cursor() as cursor:
        # version 1 of each: the month's totals as drafted from the monthly aggregates later on
        cursor.execute(
            "INSERT INTO reports_reportversion (report_id, number, data, reason, created_by_id, created_at) "
            "SELECT r.id, 1, jsonb_build_object('station', s.code, 'kind', 'monthly', 'start', r.period_start, "
            "'end', r.period_end, 'lines', '[]'::jsonb, 'generated', true), '', u.id, r.first_submitted_at "
            "FROM reports_report r JOIN stations_station s ON s.id = r.station_id "
            "JOIN accounts_user u ON u.station_id = s.id AND u.role = 'keeper' WHERE s.code LIKE 'SX%%'"
        )
    return n


def _aggregates(county_codes: list[str]) -> None:
    from cunzhan.ledgers.aggregates import mark_current

    mark_current(county_codes)  # the ledger generator wrote the monthly aggregates as it went
    with connection.cursor() as cursor:
        # the aggregates were written ledger by ledger (four row versions each): clean them now
        cursor.execute("VACUUM ANALYZE ledgers_stationmonth")
        cursor.execute("VACUUM ANALYZE stations_station")
        cursor.execute("ANALYZE")
