"""Province-sized assessment: 20,000 stations with a half-year of facts, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunzhan_bench_assess .venv/bin/python benchmarks/bench_assessment.py

Creates (drops first) its own database, loads the Shaanxi region tree, 20,000 certified stations spread
over its 107 counties, a complete H1 2025 inspection per station, about 0.9 million proxy purchase/sale
rows, trainings with attendance, verified complaints and daily-supervision events. Then it times the
whole assessment of 2025 H1 for every county at once (``assessment_compute_many``: facts gathered
set-based for the whole province, the engine, results written with COPY), first run and recompute, and
prints the phases. Target: under 10 s.

The monthly aggregates are as a running system holds them: built from the generated ledgers as the nightly
``dashboards_refresh`` would, then a morning's entries arrive after it (``BENCH_NEW_SHARE`` of the
stations, 0.3, record one late purchase dated 30 June), so the first run recounts those station-months
itself, as it would on a real morning. Each run's phases are timed exclusively (nested calls taken out),
wall time and this process's CPU (all its threads) side by side, and PostgreSQL's CPU for this
connection (its backend process, read from /proc when the server is on this machine):

* refresh — bringing the monthly aggregates up to date (the morning's entries recounted);
* facts — reading the facts: the aggregate queries and the StationFacts built from them;
* engine — scores, ranks and JSON encoding (``_evaluate_county``; with one process it runs inside the
  write, county by county, while PostgreSQL stores the previous county);
* write — deleting the old drafts' results, sending COPY lines and waiting for PostgreSQL to store them;
* the rest — drafts, locks, commit.

The load average is printed before and after; the verdict reads NOISY instead of OK/MISSED above 2.
A small check: ``BENCH_STATIONS=500`` (another database; it is dropped and made again).

    BENCH_REUSE=1        time again against the data of a previous run (no regeneration)
    BENCH_PER_COUNTY=1   also time assessment_compute county by county once, for comparison
    BENCH_PROCESSES=2    run the engine in two processes (settings.ASSESSMENT_PROCESSES)
    BENCH_PROVINCE=2026-H1  assess that half-year of an existing database instead (e.g. the one
                         ``cunzhan demo --scale province`` made); nothing is generated or dropped
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cunzhan.core.dates import SHANGHAI as TZ  # noqa: E402  (the product's one time zone)

STATIONS = int(os.environ.get("BENCH_STATIONS", "20000"))
NEW_SHARE = float(os.environ.get("BENCH_NEW_SHARE", "0.3"))

from _common import LoadGuard  # noqa: E402  (benchmarks/ is on sys.path)


def setup(url: str, *, keep: bool = False) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    if not keep:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-" + "x" * 50,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="*",
        DJANGO_SETTINGS_MODULE="cunzhan.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate() -> None:
    from django.db import transaction

    from cunzhan.accounts.models import User
    from cunzhan.activities.models import Attendance, Training
    from cunzhan.regions.importers import import_regions
    from cunzhan.regions.models import Level, Region
    from cunzhan.site.province import copy_rows
    from cunzhan.stations.models import OperatingUnit, Station, Status, Tier
    from cunzhan.supervision.models import Inspection
    from cunzhan.supervision.rating_items import RATING_ITEMS

    rng = random.Random(20250630)
    import_regions(only="61")
    counties = list(Region.objects.filter(code__startswith="61", level=Level.COUNTY).order_by("code"))
    villages = list(Region.objects.filter(code__startswith="61", level=Level.VILLAGE).values_list("code", flat=True))
    admin = User(username="bench", role="admin", is_superuser=True, must_change_password=False)
    admin.set_password("Bench#2026x")
    admin.save()
    with transaction.atomic():
        units = {c.code: OperatingUnit.objects.create(name=f"{c.name}运营", county=c) for c in counties}
        stations = []
        for i in range(STATIONS):
            village = villages[i % len(villages)]
            stations.append(
                Station(
                    code=f"S{i:06d}",
                    name=f"站{i}",
                    tier=Tier.VILLAGE,
                    region_id=village,
                    county_code=village[:6],
                    operating_unit=units[village[:6]],
                    status=Status.OPERATING,
                    resident_population=rng.randint(150, 2600),
                    certified_at=datetime(2023, 1, 1, 9, tzinfo=TZ) if i % 25 else datetime(2025, 3, 1, 9, tzinfo=TZ),
                )
            )
        Station.objects.bulk_create(stations, batch_size=5000)
    ids = list(Station.objects.order_by("pk").values_list("pk", "county_code"))
    with transaction.atomic():
        inspections = [
            Inspection(
                station_id=pk, year=2025, half="H1", inspector=admin, inspected_at=datetime(2025, 6, 15, 10, tzinfo=TZ)
            )
            for pk, _c in ids
        ]
        Inspection.objects.bulk_create(inspections, batch_size=5000)
        inspection_ids = list(Inspection.objects.order_by("pk").values_list("pk", flat=True))
        copy_rows(
            "supervision_inspectionrating",
            ["inspection_id", "key", "score", "comment"],
            (
                (iid, item.key, str(item.max - Decimal(rng.choice([0, 0, 0, 1])) if item.max >= 2 else item.max), "")
                for iid in inspection_ids
                for item in RATING_ITEMS
            ),
        )
        now = datetime(2025, 7, 1, tzinfo=TZ)
        ledger_cols = ["station_id", "county_code", "occurred_on", "recorded_at", "row_key"]
        n_purchase = copy_rows(
            "ledgers_proxypurchase",
            [
                *ledger_cols,
                "product_name",
                "quantity",
                "amount",
                "platform",
                "customer_name",
                "customer_phone",
                "customer_id_number",
            ],
            (
                (
                    pk,
                    county,
                    date(2025, 1, 1) + timedelta(days=rng.randrange(181)),
                    now,
                    uuid.uuid4().hex,
                    "化肥",
                    "1",
                    "58.00",
                    "拼多多",
                    "",
                    "",
                    "",
                )
                for pk, county in ids
                for _ in range(rng.randint(10, 70))
            ),
        )
        n_sale = copy_rows(
            "ledgers_proxysale",
            [
                *ledger_cols,
                "product_name",
                "quantity",
                "amount",
                "platform",
                "via_county_centre",
                "seller_household",
                "poor_household",
                "farm_product",
            ],
            (
                (
                    pk,
                    county,
                    date(2025, 1, 1) + timedelta(days=rng.randrange(181)),
                    now,
                    uuid.uuid4().hex,
                    "红枣",
                    "5",
                    "120.00",
                    "淘宝",
                    False,
                    "农户",
                    False,
                    True,
                )
                for pk, county in ids
                for _ in range(rng.randint(2, 20))
            ),
        )
        by_county: dict[str, list[int]] = {}
        for pk, county in ids:
            by_county.setdefault(county, []).append(pk)
        attendance = []
        for county, pks in by_county.items():
            for month in (3, 5):
                training = Training.objects.create(
                    organiser="运营单位",
                    topic="直播带货",
                    start_date=date(2025, month, 10),
                    days=Decimal(1),
                    county_id=county,
                    created_by=admin,
                )
                training.required_stations.set(pks)
                attendance += [
                    Attendance(
                        training=training,
                        station_id=pk,
                        person_name="站长",
                        recorded_by=admin,
                        recorded_at=now,
                        status=rng.choice(["present"] * 8 + ["late", "leave", "absent"]),
                        test_result=rng.choice(["pass"] * 9 + ["fail"]),
                    )
                    for pk in pks
                ]
        Attendance.objects.bulk_create(attendance, batch_size=5000)
    from cunzhan.ledgers.aggregates import refresh_counties

    t = time.perf_counter()
    refresh_counties(sorted(by_county))  # last night's dashboards_refresh; the morning's entries come after
    print(f"monthly aggregates built (as the nightly refresh would) in {time.perf_counter() - t:.1f} s")
    print(
        f"generated {len(ids)} stations, {len(inspection_ids)} inspections, {n_purchase} purchases, "
        f"{n_sale} sales, {len(attendance)} attendance rows in {len(counties)} counties"
    )


def counties_with_stations() -> list:
    from cunzhan.regions.models import Region
    from cunzhan.stations.models import Station

    return list(Region.objects.filter(code__in=Station.objects.values("county_code")).order_by("code"))


def summary(label: str, elapsed: float) -> None:
    from django.db.models import Count

    from cunzhan.assessment.models import AssessmentResult

    rows = AssessmentResult.objects.filter(assessment__status="draft").values("status").order_by("status")
    counts = {r["status"]: r["n"] for r in rows.annotate(n=Count("pk"))}
    n = sum(counts.values())
    print(f"{label}: {elapsed:.2f} s for {n} stations ({n / elapsed:,.0f} stations/s) {counts}")


def morning_entries(year: int, period: str) -> int:
    """A morning's entries after the nightly refresh: one late purchase, dated the period's last day, at
    NEW_SHARE of the stations. The aggregates do not count them yet; the first run has to."""
    from cunzhan.site.province import copy_rows
    from cunzhan.stations.models import Station

    rng = random.Random()
    last = date(year, 6, 30) if period == "H1" else date(year, 12, 31)
    now = datetime(year, 7, 10, 8, tzinfo=TZ) if period == "H1" else datetime(year + 1, 1, 10, 8, tzinfo=TZ)
    ids = Station.objects.values_list("pk", "county_code")
    columns = ["station_id", "county_code", "occurred_on", "recorded_at", "row_key", "product_name", "quantity"]
    return copy_rows(
        "ledgers_proxypurchase",
        [*columns, "amount", "platform", "customer_name", "customer_phone", "customer_id_number"],
        (
            (pk, county, last, now, uuid.uuid4().hex, "晨间补录", "1", "30.00", "拼多多", "", "", "")
            for pk, county in ids
            if rng.random() < NEW_SHARE
        ),
    )


class Phases:
    """Exclusive wall and CPU time of nested calls: each call's time less that of the calls inside it."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.stack: list[list[float]] = []  # per open call: [wall, cpu] of the calls inside it

    def wrap(self, name: str, function):
        def call(*args, **kwargs):
            w0, c0 = time.perf_counter(), time.process_time()
            self.stack.append([0.0, 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                inner = self.stack.pop()
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                self.wall[name] = self.wall.get(name, 0.0) + wall - inner[0]
                self.cpu[name] = self.cpu.get(name, 0.0) + cpu - inner[1]
                if self.stack:
                    self.stack[-1][0] += wall
                    self.stack[-1][1] += cpu

        return call


def backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when the server runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run(year: int = 2025, period: str = "H1") -> float:
    """One call of assessment_compute_many for every county; prints the phases."""
    from django.db import connection

    from cunzhan.accounts.models import User
    from cunzhan.assessment import computation, services
    from cunzhan.ledgers import aggregates

    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    now = datetime(year, 7, 10, tzinfo=TZ) if period == "H1" else datetime(year + 1, 1, 10, tzinfo=TZ)
    counties = counties_with_stations()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum keeps them on a running system
    phases = Phases()
    patched = [
        (aggregates, "refresh_counties", "refresh"),
        (computation, "_gather", "facts"),
        (computation, "_evaluate", "engine"),  # its set-up; with two processes also the waiting for the other
        (computation, "_evaluate_county", "engine"),
        (computation, "_write_results", "write"),
    ]
    originals = [(module, attr, getattr(module, attr)) for module, attr, _n in patched]
    for module, attr, name in patched:
        setattr(module, attr, phases.wrap(name, getattr(module, attr)))
    if os.environ.get("BENCH_PROCESSES"):  # e.g. 2: the engine in two processes
        from django.conf import settings

        settings.ASSESSMENT_PROCESSES = int(os.environ["BENCH_PROCESSES"])
    run_phase = phases.wrap("rest", services.assessment_compute_many)
    server0 = backend_cpu()
    cpu = os.times()
    try:
        start = time.perf_counter()
        run_phase(acting_user=admin, counties=counties, year=year, period=period, now=now)
        elapsed = time.perf_counter() - start
    finally:
        for module, attr, original in originals:
            setattr(module, attr, original)
    cpu_after = os.times()
    server1 = backend_cpu()
    from django.conf import settings

    processes = settings.ASSESSMENT_PROCESSES
    python_cpu = sum(cpu_after[:4]) - sum(cpu[:4])  # this process (all threads) and a forked helper
    summary(f"assessment_compute_many, {len(counties)} counties", elapsed)
    server = f"{server1 - server0:.2f} s" if server0 is not None and server1 is not None else "not readable"
    print(f"  wall {elapsed:.2f} s; Python CPU {python_cpu:.2f} s; PostgreSQL backend CPU {server}")
    labels = {
        "refresh": "refresh of the monthly aggregates (the morning's entries)",
        "facts": "reading the facts (aggregate queries, StationFacts)",
        "engine": f"engine: scores, ranks, JSON ({processes} process(es); the forked one's CPU not here)",
        "write": "write: delete, COPY lines, waiting for PostgreSQL to store them",
        "rest": "the rest: drafts, locks, commit",
    }
    for name, label in labels.items():
        print(f"  {label:<86} wall {phases.wall.get(name, 0):6.2f} s  CPU {phases.cpu.get(name, 0):6.2f} s")
    return elapsed


def run_per_county() -> float:
    """For comparison: assessment_compute county by county (set-based per county)."""
    from cunzhan.accounts.models import User
    from cunzhan.assessment import services

    admin = User.objects.get(username="bench")
    start = time.perf_counter()
    for county in counties_with_stations():
        services.assessment_compute(
            acting_user=admin, county=county, year=2025, period="H1", now=datetime(2026, 1, 10, tzinfo=TZ)
        )
    elapsed = time.perf_counter() - start
    summary("assessment_compute per county (comparison)", elapsed)
    return elapsed


if __name__ == "__main__":
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/cunzhan_bench_assess")
    guard = LoadGuard()
    province = os.environ.get("BENCH_PROVINCE", "")  # e.g. 2026-H1 on the database of demo --scale province
    reuse = os.environ.get("BENCH_REUSE") == "1" or bool(province)  # time again against existing data
    setup(url, keep=reuse)
    year, period = (int(province[:4]), province[5:]) if province else (2025, "H1")
    if not reuse:
        t0 = time.perf_counter()
        generate()
        print(f"data generated in {time.perf_counter() - t0:.1f} s")
    if reuse:  # start from no assessment, as after generating
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM assessment_assessmentresult WHERE assessment_id IN "
                "(SELECT id FROM assessment_assessment WHERE status = 'draft')"
            )
            cursor.execute("DELETE FROM assessment_assessment WHERE status = 'draft'")
    if not province:  # a demo province's database is left as it is
        print(f"the morning's entries after the nightly refresh: {morning_entries(year, period):,} purchases")
    print("first run (the aggregates as a running system holds them):")
    first = run(year, period)
    print("recompute (the drafts replaced; nothing new to recount):")
    second = run(year, period)
    print(f"RESULT {year}-{period} first={first:.2f}s recompute={second:.2f}s")
    if os.environ.get("BENCH_PER_COUNTY") == "1":  # the county-by-county loop, once (slower)
        run_per_county()
    guard.target(f"first run under 10 s ({STATIONS:,} stations): {first:.2f} s", first < 10)
