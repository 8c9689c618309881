"""Monthly partitions of the four ledger tables on PostgreSQL (SQLite keeps plain tables).

Each ledger table is partitioned by range of ``occurred_on``, one partition per month
(``ledgers_proxypurchase_p202506``) plus a default partition that catches any date outside the
months created, so an insert never fails for want of a partition. Partitions are created ahead:
by the migration, after every ``migrate`` and by ``cunzhan ledger-partitions``. Creating a month
whose rows already sit in the default partition moves them into the new partition first.

Keys (PostgreSQL requires the partition key in every unique key, and the county code is in every
one so that the tables can later be distributed by county — docs/scaling.md):

* primary key ``(id, occurred_on, county_code)``; ``id`` stays unique by its identity sequence;
* purchases, sales, services: ``(station_id, occurred_on, row_key, county_code)`` unique, both the
  import key and the index of every per-station read;
* parcels: ``(row_key, county_code, occurred_on)`` unique and ``(station_id, occurred_on)``, plus the
  partial index of parcels waiting to be handed over;
* ``row_key`` in the "C" collation (byte order: it is hex, and a byte comparison is cheaper than the
  locale's).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.utils import timezone

TABLES = ("ledgers_proxypurchase", "ledgers_proxysale", "ledgers_parcel", "ledgers_convenienceservice")
PRIMARY_KEY = ("id", "occurred_on", "county_code")


def first_month() -> date:
    """The first month given its own partition (older rows live in the default partition)."""
    year, month = str(getattr(settings, "LEDGER_PARTITIONS_FROM", "2025-01")).split("-")
    return date(int(year), int(month), 1)


def last_month() -> date:
    """The last month created ahead of time (``LEDGER_PARTITIONS_AHEAD`` months after the current one)."""
    return add_months(timezone.localdate(), int(getattr(settings, "LEDGER_PARTITIONS_AHEAD", 2)))


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s month to ``last``'s, inclusive."""
    start, end = date(first.year, first.month, 1), date(last.year, last.month, 1)
    result = []
    while start <= end:
        result.append(start)
        start = add_months(start, 1)
    return result


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row and row[0])


def convert(cursor, table: str) -> None:
    """Turn a plain ledger table into a partitioned one with the same columns, defaults, identity,
    unique constraints and indexes, and move its rows over (the migration's work)."""
    if is_partitioned(cursor, table):
        return
    old = f"{table}_unpartitioned"
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname",
        [table],
    )
    uniques = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')", [old])
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{name}" TO "{name[:55]}_old"')
    for name, _definition in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:55]}_old"')
    cursor.execute(
        f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE) '
        "PARTITION BY RANGE (occurred_on)"
    )
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN row_key TYPE varchar(32) COLLATE "C"')
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({", ".join(PRIMARY_KEY)})')
    for name, definition in uniques:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        cursor.execute(definition)
    cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    for month in months(first_month(), last_month()):
        _create(cursor, table, month)
    cursor.execute(f'INSERT INTO "{table}" OVERRIDING SYSTEM VALUE SELECT * FROM "{old}"')  # noqa: S608
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT max(id) FROM \"{table}\"), 1))",  # noqa: S608
        [table],
    )
    cursor.execute(f'DROP TABLE "{old}"')


def existing(cursor, table: str) -> set[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
        [table],
    )
    return {row[0] for row in cursor.fetchall()}


def _create(cursor, table: str, month: date) -> None:
    name = partition_name(table, month)
    bounds = f"FROM ('{month.isoformat()}') TO ('{add_months(month, 1).isoformat()}')"
    cursor.execute(
        f'SELECT EXISTS (SELECT 1 FROM "{table}_default" WHERE occurred_on >= %s AND occurred_on < %s)',  # noqa: S608
        [month, add_months(month, 1)],
    )
    if not cursor.fetchone()[0]:
        cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES {bounds}')
        return
    # the month's rows arrived before its partition: move them out of the default partition
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)')
    cursor.execute(
        f'WITH moved AS (DELETE FROM "{table}_default" WHERE occurred_on >= %s AND occurred_on < %s RETURNING *) '  # noqa: S608
        f'INSERT INTO "{name}" SELECT * FROM moved',
        [month, add_months(month, 1)],
    )
    cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES {bounds}')


def ensure(first: date | None = None, last: date | None = None, *, connection=None) -> list[str]:
    """Create the missing monthly partitions from ``first`` (default: the configured first month)
    to ``last`` (default: :func:`last_month`); the names created. Nothing on SQLite."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    first = first or first_month()
    last = last or last_month()
    created = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table in TABLES:
            if not is_partitioned(cursor, table):
                continue
            present = existing(cursor, table)
            for month in months(first, last):
                if partition_name(table, month) not in present:
                    _create(cursor, table, month)
                    created.append(partition_name(table, month))
    return created
