"""Ledger .xlsx export benchmark (issue 26): the export against bare xlsxwriter writing the same cells.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunzhan_bench .venv/bin/python benchmarks/bench_export.py

Uses the ledger import benchmark's database and file (``bench_ledger_import.py``: ``--rows`` (200,000)
proxy purchases, imported here if the table does not hold them), then, ``--repeat`` (5) rounds,
alternating:

* the floor — bare xlsxwriter (constant memory, the product's workbook options) writing the very cells of
  the export, already built in memory, with ``write_row``: what any .xlsx export has to pay;
* the export — ``cunzhan.ledgers.exporters.export_ledger`` (masked, as the county office), to a file: the
  query, each row built once, the rows written by a writer thread while the next ones are read;
* the export with the rows written in the reading thread (the writer thread left out), for comparison.

Medians are printed with the export's share of the floor (target ≥ 90 %), and the peak memory growth of
this process across the runs. The load average is printed before and after; the verdict reads NOISY
instead of OK/MISSED above 2. A small check: ``--rows 20000 --repeat 3``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import LoadGuard, ensure_database, setup_django  # noqa: E402  (benchmarks/ is on sys.path)
from bench_ledger_import import DEFAULT_URL, ensure_world, generate, ours  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    guard = LoadGuard()
    ensure_database(url)
    setup_django(url)
    admin = ensure_world()
    _xlsx, csv_path = generate(args.rows, ROOT / "var" / "bench")
    from django.db import connection

    from cunzhan.accounts.models import User
    from cunzhan.core import tabular
    from cunzhan.core.roles import Role
    from cunzhan.ledgers.exporters import export_header, export_ledger, export_rows
    from cunzhan.ledgers.models import ProxyPurchase
    from cunzhan.ledgers.specs import spec_for

    if ProxyPurchase.objects.count() != args.rows:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {ProxyPurchase._meta.db_table}")
        ours(admin, csv_path, args.rows)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    office = User.objects.filter(username="bench_export_county").first()
    if office is None:
        office = User(username="bench_export_county", role=Role.COUNTY_OFFICE, region_id="610828")
        office.set_unusable_password()
        office.must_change_password = False
        office.save()
    spec = spec_for("purchase")
    header = export_header(spec)
    cells = list(export_rows(spec, ProxyPurchase.objects.all(), unmasked=False))
    assert len(cells) == args.rows
    folder = Path(tempfile.mkdtemp(prefix="bench_export_"))

    money_at = sorted(tabular.money_columns(header))

    def floor() -> None:
        # the same cells, amounts as numbers in the money format as the export writes them (issue 21)
        book = tabular.workbook(str(folder / "floor.xlsx"), constant_memory=True, in_memory=False)
        amount = book.add_format({"num_format": tabular.MONEY_FORMAT})
        ws = book.add_worksheet(spec.label)
        ws.write_row(0, 0, header)
        for r, row in enumerate(cells, start=1):
            ws.write_row(r, 0, row)
            for col in money_at:
                if row[col] is not None:
                    ws.write_number(r, col, float(row[col]), amount)
        book.close()

    def export() -> None:
        with (folder / "export.xlsx").open("wb") as target:
            assert export_ledger(acting_user=office, kind="purchase", target=target) == args.rows

    threaded = tabular._write_rows

    def serial_rows(ws, rows, money_at, amount) -> None:
        for r, row in enumerate(rows, start=1):
            ws.write_row(r, 0, row)
            for col in money_at:
                if isinstance(row[col], Decimal | int | float):
                    ws.write_number(r, col, float(row[col]), amount)

    def export_serial() -> None:
        tabular._write_rows = serial_rows
        try:
            export()
        finally:
            tabular._write_rows = threaded

    runs: dict[str, list[float]] = {}
    methods = {
        "bare xlsxwriter, the same cells (floor)": floor,
        "export_ledger (writer thread)": export,
        "export_ledger (rows written in the reading thread)": export_serial,
    }
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(args.repeat):
        for label, method in methods.items():
            start = time.perf_counter()
            method()
            runs.setdefault(label, []).append(time.perf_counter() - start)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    med = {label: statistics.median(times) for label, times in runs.items()}
    base = med["bare xlsxwriter, the same cells (floor)"]
    print(f"\nmedian of {args.repeat} runs each, {args.rows:,} rows of {len(header)} columns")
    for label, seconds in med.items():
        times = ", ".join(f"{t:.2f}" for t in runs[label])
        print(f"{label:<52} {seconds:7.2f} s {args.rows / seconds:>10,.0f} rows/s {base / seconds:5.0%}  ({times})")
    print(f"peak memory of this process grew by {(rss1 - rss0) / 1024:.1f} MB during the runs")
    share = base / med["export_ledger (writer thread)"]
    guard.target(f".xlsx export ≥ 90 % of bare xlsxwriter: {share:.0%}", share >= 0.9)


if __name__ == "__main__":
    main()
