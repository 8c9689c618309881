"""Pages against a province: the database ``cunzhan demo --scale province`` made (17,000 stations, ~48M ledger rows).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunzhan_province .venv/bin/python benchmarks/bench_province.py

Nothing is generated or dropped. Through the Django test client it times, ``--runs`` times after a warm-up
(median and p95 from 100 runs, else median and max), with ``DASHBOARD_CACHE_SECONDS=0`` so that every
request counts (``--cached``: the cache of a running system, i.e. hits after the warm-up): the county
dashboard, the report status board, the county statistics for a month and for the year to date as the
office of the province's largest county; the province viewer's dashboard (every county); a keeper's
ledger list and parcel backlog. Then the ``report-status`` command for that county.
The load average is printed before and after, NOISY when it was above 2. A small check: a database
made by ``cunzhan demo --scale province --stations 300``. The assessment of the whole province is
``bench_assessment.py`` with ``BENCH_PROVINCE=2026-H1``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import LoadGuard, setup_django, timed  # noqa: E402  (benchmarks/ is on sys.path)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cunzhan_province"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="timed requests per page (100: a true p95)")
    parser.add_argument("--cached", action="store_true", help="keep the 30-second cache: time cache hits")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point to the PostgreSQL database of `cunzhan demo --scale province`")
    guard = LoadGuard()
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from cunzhan.accounts.models import User
    from cunzhan.core import dates
    from cunzhan.stations.models import Station

    biggest = (
        Station.objects.filter(code__startswith="SX")
        .values("county_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "county_code")
        .first()
    )
    if biggest is None:
        sys.exit("no province data here: run `cunzhan demo --scale province` on this database first")
    county, stations = biggest["county_code"], biggest["n"]
    today = dates.local_now().date()
    year, month = dates.add_months(today.year, today.month, -1)
    slug = f"{year}-{month:02d}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(reltuples)::bigint FROM pg_class WHERE relkind = 'r' AND relname ~ '^ledgers_.*_p'")
        rows = cursor.fetchone()[0]
    total = Station.objects.count()
    print(f"{total:,} stations, about {rows:,} ledger rows; county {county}: {stations} stations; month {slug}")
    office = User.objects.get(username=f"county-{county}")
    keeper = User.objects.filter(station__county_code=county, role="keeper").order_by("pk").first()
    viewer = User.objects.get(username="shaanxi")
    if not args.cached:
        settings.DASHBOARD_CACHE_SECONDS = 0  # every request counts (issue 26)
    print("counted (cache off)" if not args.cached else "cache hits (DASHBOARD_CACHE_SECONDS kept)")
    client = Client()
    pages = [
        (office, f"/dashboards/?county={county}&month={slug}"),
        (office, f"/reports/board/?county={county}&month={slug}"),
        (office, f"/reports/statistics/?county={county}&month={slug}"),
        (office, f"/reports/statistics/?county={county}&month={slug}&mode=ytd"),
        (viewer, f"/dashboards/?month={slug}"),
        (keeper, "/ledgers/parcel/"),
        (keeper, "/ledgers/parcel/backlog/"),
        (keeper, "/ledgers/"),
        (office, "/ledgers/"),
        (office, "/ledgers/parcel/"),
        (office, "/ledgers/parcel/backlog/"),
        (viewer, "/ledgers/"),
        (viewer, "/ledgers/parcel/"),
    ]
    for user, path in pages:
        client.force_login(user)
        print(f"{user.role:<14} GET {path:<72} {timed(client, path, args.runs)}")
    started = time.perf_counter()
    call_command("report_status", county=county, month=slug, stdout=io.StringIO())
    print(f"report-status --county {county} --month {slug}: {(time.perf_counter() - started) * 1000:.0f} ms")
    guard.finish()
    print("figures from a busy machine: NOISY" if guard.noisy else "figures from a quiet machine")


if __name__ == "__main__":
    main()
