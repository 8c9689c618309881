"""Many rows inserted at once, those that would break a unique constraint left out (INSERT … ON CONFLICT DO
NOTHING): on PostgreSQL through COPY into a temporary table, elsewhere Django's ``bulk_create``.

Django's ``bulk_create`` on PostgreSQL sends each column as an array (``INSERT … SELECT * FROM UNNEST``):
for 60,000 reminders with their JSON parameters psycopg spent most of a minute quoting the arrays' text.
COPY sends the rows as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 2000


def insert_ignoring_conflicts(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``fields``, JSON fields as Python objects) into ``model``'s
    table; a row whose unique key is there already is skipped. Inside the caller's transaction."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=BATCH, ignore_conflicts=True
        )
        return
    table = model._meta.db_table
    concrete = [model._meta.get_field(name) for name in fields]
    columns = [field.column for field in concrete if isinstance(field, models.Field)]
    json_at = {i for i, field in enumerate(concrete) if isinstance(field, models.JSONField)}
    names = ", ".join(f'"{c}"' for c in columns)
    staging = f"{table}_staging"
    # the names are the model's own table and columns, never input
    with connection.cursor() as cursor:
        create = f'CREATE TEMPORARY TABLE IF NOT EXISTS "{staging}" AS SELECT {names} FROM "{table}" WITH NO DATA'  # noqa: S608
        cursor.execute(create)
        cursor.execute(f'TRUNCATE "{staging}"')
        with cursor.cursor.copy(f'COPY "{staging}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(v, ensure_ascii=False) if i in json_at else v for i, v in enumerate(row)])
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{staging}" ON CONFLICT DO NOTHING'  # noqa: S608
        )
        cursor.execute(f'TRUNCATE "{staging}"')
