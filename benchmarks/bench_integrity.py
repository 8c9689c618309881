"""Order integrity (刷单提示, issue 27.5): are the planted fake-order patterns found, how many untouched
stations are flagged, and how long the flags of a county take, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunzhan_bench_integrity \
        .venv/bin/python benchmarks/bench_integrity.py

Creates (drops first) its own database and loads the county demo (``cunzhan demo``: 佳县 and 寻乌县 with
their ledgers from January 2025). Then it generates a county of its own (BENCH_STATIONS stations, 300 by
default, in another county of Shaanxi) with ordinary ledgers for 2024 and the first half of 2025 and one
planted pattern of each kind on six of them (cunzhan/assessment/integrity_plant.py). It prints:

* each planted pattern: flagged or MISSED, and whether the flag names every planted order;
* the share of the generated county's untouched stations flagged, and of the demo counties' stations in
  each half-year from H1 2025 to the current one;
* the time of all the flags of the generated county for H1 2025 (best of BENCH_REPEAT, 3 by default) and
  of one station (what the inspection form asks);
* the load average before and after (NOISY above 2: the figures are then those of a shared machine).

    BENCH_REUSE=1   use the database of a previous run (no demo load, no generation)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _common import LoadGuard  # noqa: E402  (benchmarks/ is on sys.path)

STATIONS = int(os.environ.get("BENCH_STATIONS", "300"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
GENERATED_COUNTY = "610824"  # 靖边县: not a demo county
SHARE_TARGET = 0.05  # the stated share of untouched stations a flag may fall on


def setup(url: str, *, keep: bool) -> None:
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


def prepare():
    from django.core.management import call_command

    from cunzhan.assessment.engine import Period
    from cunzhan.assessment.integrity_plant import generate
    from cunzhan.regions.importers import import_regions
    from cunzhan.regions.models import Region

    t0 = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("demo", stdout=quiet)
    print(f"demo loaded in {time.perf_counter() - t0:.0f} s")
    if not Region.objects.filter(code=GENERATED_COUNTY).exists():
        import_regions(only=GENERATED_COUNTY)
    t0 = time.perf_counter()
    county = generate(
        Region.objects.get(code=GENERATED_COUNTY), stations=STATIONS, period=Period.of(2025, "H1", (1, 6))
    )
    print(f"generated {len(county.stations)} stations in {time.perf_counter() - t0:.0f} s")
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would before long: the planner's row counts
        cursor.execute("ANALYZE ledgers_proxypurchase, ledgers_proxysale, ledgers_stationmonth")
    return county


def infos(county_code: str, period):
    from cunzhan.assessment.facts import period_stations
    from cunzhan.assessment.integrity import StationInfo

    return [
        StationInfo(r["id"], r["resident_population"] or 0, r["certified"])
        for r in period_stations(county_code, period.end)
    ]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL=postgres://… is required (the benchmark measures the partitioned ledgers)")
    guard = LoadGuard()
    reuse = bool(os.environ.get("BENCH_REUSE"))
    setup(url, keep=reuse)
    from django.utils import timezone

    from cunzhan.assessment.engine import Period
    from cunzhan.assessment.integrity import detect
    from cunzhan.assessment.integrity_plant import LEDGER_OF, PATTERNS
    from cunzhan.assessment.selectors import default_scheme
    from cunzhan.ledgers.models import ProxyPurchase, ProxySale
    from cunzhan.stations.models import Station

    scheme = default_scheme().data
    h1 = Period.of(2025, "H1", (1, 6))
    if reuse:
        generated = list(Station.objects.filter(county_code=GENERATED_COUNTY).order_by("code"))
        planted = {s.pk: kind for s, kind in zip(generated, PATTERNS, strict=False)}
    else:
        county = prepare()
        generated = county.stations
        planted = {p.station.pk: p.kind for p in county.planted}
        entries = {p.station.pk: p.entries for p in county.planted}
    rows = ProxyPurchase.objects.filter(county_code=GENERATED_COUNTY).count()
    rows += ProxySale.objects.filter(county_code=GENERATED_COUNTY).count()
    print(
        f"generated county {GENERATED_COUNTY}: {len(generated)} stations, "
        f"{rows:,} purchase and sale rows (2024–H1 2025)"
    )

    stations = infos(GENERATED_COUNTY, h1)
    timings = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        findings = detect(GENERATED_COUNTY, h1, scheme, stations)
        timings.append(time.perf_counter() - t0)
    one = planted and next(iter(planted))
    t0 = time.perf_counter()
    detect(GENERATED_COUNTY, h1, scheme, stations, station_id=one)
    single = time.perf_counter() - t0

    print("\nplanted patterns (H1 2025):")
    found_all = True
    for sid, kind in planted.items():
        mine = [f for f in findings if f.station_id == sid and f.kind == kind and f.ledger == LEDGER_OF[kind]]
        named = {row_id for f in mine for row_id, _d in f.orders}
        complete = reuse or entries[sid] <= named
        found_all &= bool(mine) and complete
        state = "flagged" if mine else "MISSED"
        print(
            f"  {kind:<11} {state:<8} {'names every planted order' if complete and mine else ''}  "
            f"{mine[0].text if mine else ''}"
        )
    untouched = [s for s in stations if s.id not in planted]
    flagged = {f.station_id for f in findings}
    hit = sum(s.id in flagged for s in untouched)
    share = hit / len(untouched)
    print(
        f"\ngenerated county, untouched stations flagged: {hit} of {len(untouched)} = {share:.1%}"
        f" ({'OK' if share <= SHARE_TARGET else 'ABOVE'} the stated {SHARE_TARGET:.0%})"
    )
    kinds: dict[str, int] = {}
    for f in findings:
        if f.station_id not in planted:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
    if kinds:
        print("  their flags by kind:", kinds)

    print("\ndemo counties (cunzhan demo), untouched:")
    today = timezone.localdate()
    for county in ("610828", "360734"):
        for year in (2025, 2026):
            for half, months in (("H1", (1, 6)), ("H2", (7, 12))):
                period = Period.of(year, half, months)
                if period.start > today:
                    continue
                demo = infos(county, period)
                if not demo:
                    continue
                hits = {f.station_id: f for f in detect(county, period, scheme, demo)}
                what = sorted({f.kind for f in hits.values()})
                share = len(hits) / len(demo)
                print(f"  {county} {year} {half}: {len(hits)} of {len(demo)} stations flagged = {share:.1%} {what}")

    guard.finish()
    print(
        f"\nall flags of the generated county, H1 2025: best {min(timings) * 1000:.0f} ms of {REPEAT} "
        f"({', '.join(f'{t * 1000:.0f}' for t in timings)} ms); one station: {single * 1000:.0f} ms"
    )
    print(f"  timings: {'NOISY (a busy machine)' if guard.noisy else 'from a quiet machine'}")
    print("RESULT:", "every planted pattern flagged" if found_all else "MISSED a planted pattern")


if __name__ == "__main__":
    main()
