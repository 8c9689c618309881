"""How fast and how lightly a hostile upload is refused (issue 18: "in well under a second and without
growing memory"), and what the check costs a legitimate file.

    .venv/bin/python benchmarks/bench_uploads.py [--runs 20] [--rows 200000]

Writes, under var/bench/, the 1.7 MB workbook that declares 390 MB of rows (the probe's bomb) and a
200,000-row ledger workbook; then, each in a fresh interpreter so that its peak memory is its own:

* the bomb through ``read_table`` (what every import path calls first): the time to refuse it and the
  process's peak memory, against the same interpreter reading a 1,000-row file (the floor);
* the upload check (``check_file``) of the 200,000-row workbook, against python-calamine reading its
  sheet (the work the check stands in front of).

No database is needed. The machine's load average is printed before and after; above 2 the result
is printed NOISY instead of OK or MISSED. A small check: ``--runs 5 --rows 20000``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = """
import resource, statistics, sys, time, django
django.setup()
from cunzhan.core.tabular import ImportRejected, read_table
from cunzhan.core.uploads import check_file
path, runs, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times = []
for _ in range(runs):
    started = time.perf_counter()
    if what == "read":
        try:
            header, rows = read_table(path)
            outcome = f"read {sum(1 for _ in rows)} rows"
        except ImportRejected as exc:
            outcome = str(exc)
    else:
        check_file(path)
        outcome = "checked"
    times.append(time.perf_counter() - started)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, statistics.median(times) * 1000, outcome)
"""


def probe(path: Path, runs: int, what: str) -> tuple[int, float, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cunzhan.settings_test"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), str(runs), what], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    rss, ms, outcome = out.stdout.split(" ", 2)
    return int(rss), float(ms), outcome.strip()


def calamine_read_ms(path: Path, runs: int = 3) -> float:
    """Median of python-calamine reading the whole sheet: the work the check stands in front of."""
    import statistics
    import time

    from python_calamine import CalamineWorkbook

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the legitimate workbook")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhan.settings_test")
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _common import LoadGuard
    from bench_ledger_import import generate

    from cunzhan.core.tests.test_hostile_input import PURCHASE_HEADER, PURCHASE_ROW, bomb_xlsx

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    guard = LoadGuard()
    bomb = folder / "bomb-390mb.xlsx"
    if not bomb.exists():
        bomb_xlsx(bomb, PURCHASE_HEADER, PURCHASE_ROW, 390_000_000)
    small = folder / "purchase-1000-rows.xlsx"
    if not small.exists():
        bomb_xlsx(small, PURCHASE_HEADER, PURCHASE_ROW, 1_000 * 400)  # ~1,000 rows of the same shape
    legit, _csv = generate(args.rows, folder)

    floor_rss, _floor_ms, floor_outcome = probe(small, args.runs, "read")
    bomb_rss, bomb_ms, outcome = probe(bomb, args.runs, "read")
    _rss, check_ms, _ = probe(legit, args.runs, "check")
    read_ms = calamine_read_ms(legit)

    size = bomb.stat().st_size / 1e6
    print(f"bomb: {size:.1f} MB declaring 390 MB; refused in {bomb_ms:.2f} ms (median of {args.runs})")
    print(f"  {outcome}")
    print(f"  peak memory {bomb_rss / 1024:.1f} MB against {floor_rss / 1024:.1f} MB reading a small file")
    print(f"  (the small file: {floor_outcome})")
    print(f"legit {args.rows:,}-row .xlsx: the upload check {check_ms:.3f} ms against {read_ms:.0f} ms to read it")
    met = bomb_ms < 1000 and bomb_rss - floor_rss < 50 * 1024
    guard.target("refused in well under a second, memory not grown", met)


if __name__ == "__main__":
    main()
