"""Backup and restore round trip (issue 9) on PostgreSQL, timed:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunzhan_bench_load .venv/bin/python benchmarks/bench_backup.py

against any database the other benchmarks made (``cunzhan_bench_load`` holds the county demo and the load
test's entries; ``cunzhan_bench_province`` the province). The script

1. takes the database's fingerprint (``cunzhan.core.backup.fingerprint``: every table's row count and the
   order-independent sum of its rows' MD5, computed inside PostgreSQL);
2. runs ``cunzhan backup FILE`` (pg_dump, custom format);
3. creates an empty database ``<name>_restore`` beside it and runs ``cunzhan restore FILE --database``
   into it (pg_restore in one transaction);
4. takes the restored database's fingerprint and compares it table by table;
5. prints each step's time, the file's size, the rows compared and OK or MISMATCH, and drops the scratch
   database and the file (``--keep`` keeps them).

The load average is printed before and after; the step times are marked NOISY when it was above 2 (the
row comparison is a check of correctness and stands whatever the load). A small check: any small
database, e.g. ``cz_…_dash50`` made by ``BENCH_STATIONS=50 bench_dashboard.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import LoadGuard, ensure_database, setup_django  # noqa: E402  (benchmarks/ is on sys.path)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cunzhan_bench_load"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the backup file and the restored database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench_backup.py measures PostgreSQL; SQLite's round trip is in core/tests/test_backup.py")
    guard = LoadGuard()
    ensure_database(url)
    setup_django(url)

    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from cunzhan.core.backup import fingerprint

    name = connection.settings_dict["NAME"]
    scratch = f"{name}_restore"
    path = ROOT / "var" / "bench" / f"{name}.backup"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    print(f"database {name}: {size / 2**30:.2f} GiB")

    def step(label: str, action):
        started = time.perf_counter()
        value = action()
        print(f"{label:<42} {time.perf_counter() - started:8.1f} s", flush=True)
        return value

    before = step("fingerprint of the database", fingerprint)
    step("cunzhan backup (pg_dump)", lambda: call_command("backup", str(path), stdout=open(os.devnull, "w")))  # noqa: SIM115
    print(f"{'  file':<42} {path.stat().st_size / 2**20:8.1f} MiB")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        step(
            "cunzhan restore --database (pg_restore)",
            lambda: call_command("restore", str(path), database=scratch, stdout=open(os.devnull, "w")),  # noqa: SIM115
        )
        after = step("fingerprint of the restore", lambda: fingerprint(database=scratch))
    finally:
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            path.unlink(missing_ok=True)

    rows = sum(count for count, _checksum in before.values())
    different = sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))
    print(f"{'tables, rows compared':<42} {len(before):8,} {rows:,}")
    for table in different:
        print(f"  {table}: {before.get(table)} → {after.get(table)}")
    print(f"\n{'OK      ' if not different else 'MISMATCH'} the restore has the same rows as the database")
    guard.finish()
    print("step times: NOISY (taken on a busy machine)" if guard.noisy else "step times: from a quiet machine")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
