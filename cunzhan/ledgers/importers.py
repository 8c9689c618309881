"""Bulk import of a ledger file (.xlsx via python-calamine, .csv) at database speed.

The whole file is validated first, column by column; every bad cell is reported (row, column,
reason in Chinese) and nothing is saved unless the file is good. The rows, the ImportBatch and the
stations' last activity are written in one transaction — PostgreSQL COPY straight into the ledger
table, or one batched INSERT on SQLite — so an import that fails or is killed leaves nothing.

Idempotent: each row has a key (a hash of the station code and the row's values, plus its
occurrence number among identical rows of the file; a parcel's key is its carrier and tracking
number), unique in its county. Rows whose key exists are skipped, so importing the same file twice
adds nothing the second time.
"""

from __future__ import annotations

import gc
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from itertools import compress, repeat
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from cunzhan.core.audit import log_event
from cunzhan.core.dates import SHANGHAI, UTC_OFFSET
from cunzhan.core.tabular import CellError, ImportRejected, check_header, check_upload, read_table
from cunzhan.ledgers.models import ImportBatch, Parcel
from cunzhan.ledgers.parsing import PG, SQLITE, Context, convert_column
from cunzhan.ledgers.specs import STATION_HEADER, LedgerSpec, spec_for
from cunzhan.stations.models import Station

if TYPE_CHECKING:
    from cunzhan.accounts.models import User

Progress = Callable[[str, int, int], None]
CHUNK = 20_000
REGION_CODE_LENGTHS = (12, 9, 6, 4, 2)


@dataclass(frozen=True)
class ImportResult:
    batch: ImportBatch
    rows_read: int
    rows_created: int
    rows_skipped: int
    seconds: float


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


def _before_commit() -> None:
    """Called inside the import's transaction after every row is written; tests stop the
    process here to show that a killed import leaves nothing behind."""


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_md5 = partial(hashlib.md5, usedforsecurity=False)
_hexdigest = methodcaller("hexdigest")


def key_of(line: str) -> str:
    """A row key: the MD5 of the row's text, as 32 hex digits (an identity, not a secret; PostgreSQL's
    own ``md5()`` gives the same, so generated rows get the keys an import of them would)."""
    return _md5(line.encode()).hexdigest()


def keys_of(lines: Iterable[str]) -> list[str]:
    """``key_of`` for many lines, without a Python call per line."""
    return list(map(_hexdigest, map(_md5, map(str.encode, lines))))


def parcel_key(carrier: str, tracking_no: str) -> str:
    """A parcel's row key: its carrier and tracking number (unique in the county)."""
    return key_of(f"{carrier}\t{tracking_no}")


def lock_county(model: type, county_code: str, *, shared: bool = False) -> None:
    """Until the transaction ends: imports into one ledger of one county take turns (exclusive);
    single entries take it shared, so that the aggregates' refresh (:func:`writes_settled`) can tell
    that no write of the county is under way. PostgreSQL; SQLite has one writer at a time anyway."""
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(hashtext(%s))", [_lock_key(model, county_code)])


def lock_parcel(county_code: str, row_key: str) -> None:
    """Until the transaction ends: entries of the same parcel (carrier and tracking number) in a county
    take turns, so that two of them cannot both find the number free. Entries of other parcels go on
    side by side; an import of the county's parcels waits for them all (its lock is exclusive, theirs
    shared) and they for it."""
    if connection.vendor == "postgresql":
        county = _lock_key(Parcel, county_code)
        with connection.cursor() as cursor:  # both in one round trip
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(hashtext(%s)), pg_advisory_xact_lock(hashtext(%s))",
                [county, f"{county}.{row_key}"],
            )


def writes_settled(model: type, county_code: str) -> bool:
    """Whether no import or entry of the county's ledger is under way at this moment. Each holds the
    county's lock from before it takes its first id until it commits, so when the lock is free every
    row and log entry with an id read *before* asking is committed. The lock is taken exclusively and
    let go at once: the aggregates' refresh asks, and entries do not wait for its recount."""
    if connection.vendor != "postgresql":
        return True
    key = _lock_key(model, county_code)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_try_advisory_lock(hashtext(%s)) THEN pg_advisory_unlock(hashtext(%s)) ELSE false END",
            [key, key],
        )
        return bool(cursor.fetchone()[0])


def _lock_key(model: type, county_code: str) -> str:
    return f"cunzhan.{model._meta.label_lower}.{county_code}"


def import_ledger(
    *,
    acting_user: User,
    kind: str,
    source: str | Path | IO[bytes],
    name: str | None = None,
    progress: Progress | None = None,
    is_demo: bool = False,
) -> ImportResult:
    """Validate and import one ledger file; ImportRejected (nothing saved) lists every problem."""
    acting_user.scope.require("ledger.import")
    spec = spec_for(kind)
    progress = progress or _no_progress
    started = time.perf_counter()
    name = name or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "") or "file")
    check_upload(source)  # before the file is read into memory
    if isinstance(source, str | Path):
        digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
        table_source: Any = source
    else:
        data = source.read()
        digest = file_digest(data)
        table_source = io.BytesIO(data)
    progress("read", 0, 0)
    # The file's rows are millions of small objects that live until the end: without this, the
    # cyclic garbage collector walks all of them again and again while the rows are checked.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        header, row_iter = read_table(table_source, name=name)
        plan = _plan(acting_user, spec, header, list(row_iter))
        progress("check", 0, plan.count)
        batch = _import(acting_user, plan, Path(name).name, digest, progress, is_demo)
    except IntegrityError as exc:  # another import or entry took a key between check and write
        raise ImportRejected(
            [CellError(0, "", _("与同时进行的录入或导入冲突，未写入任何数据，请重试：%s") % exc)]
        ) from exc
    finally:
        if gc_was_enabled:
            gc.enable()
    progress("done", plan.count, plan.count)
    return ImportResult(
        batch=batch,
        rows_read=plan.count,
        rows_created=batch.rows_created,
        rows_skipped=batch.rows_skipped,
        seconds=time.perf_counter() - started,
    )


@dataclass
class _Plan:
    """A file whose header and stations are known, ready to be checked and written chunk by chunk."""

    spec: LedgerSpec
    rows: list[list[Any]]
    count: int
    positions: dict[str, int]
    row_numbers: list[int] | None  # sheet row numbers when blank rows were skipped
    codes: list[str]
    station_ids: list[int | None]
    stations: dict[int, tuple[str, str]]  # id -> (county code, region code)
    errors: list[CellError]
    ctx: Context


@dataclass
class _Chunk:
    columns: list[str]  # table columns, in the order of ``values``
    values: list[Sequence[Any]]  # one sequence per table column
    keys: list[str]
    station_ids: list[int]


def _plan(acting_user: User, spec: LedgerSpec, header: list[str], rows: list[list[Any]]) -> _Plan:
    required = [STATION_HEADER, *(c.header for c in spec.columns if c.required)]
    positions = check_header(header, required)
    width = len(header)
    row_numbers: list[int] | None = None
    if not all(map(any, rows)):  # blank rows are skipped; the others keep their sheet row numbers
        row_numbers = [n for n, row in enumerate(rows, start=2) if any(row)]
        rows = [row for row in rows if any(row)]
    if not rows:
        raise ImportRejected([CellError(2, "", _("文件中没有数据行"))])
    if set(map(len, rows)) != {width}:  # short CSV lines: pad; long ones: cut to the header
        rows = [(list(r) + [""] * width)[:width] for r in rows]
    codes, station_ids, stations, errors = _stations(
        acting_user, list(map(itemgetter(positions[STATION_HEADER]), rows))
    )
    now = timezone.now()
    dialect = PG if connection.vendor == "postgresql" else SQLITE
    return _Plan(
        spec=spec,
        rows=rows,
        count=len(rows),
        positions=positions,
        row_numbers=row_numbers,
        codes=codes,
        station_ids=station_ids,
        stations=stations,
        errors=errors,
        ctx=Context(today=now.astimezone(SHANGHAI).date(), now=now, dialect=dialect),
    )


def _stations(acting_user: User, column: Sequence[Any]):
    if set(map(type, column)) == {str}:
        codes = list(map(str.strip, column))
    else:
        codes = [
            ("" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
            for v in column
        ]
    found = acting_user.scope.filter(Station.objects.filter(code__in=set(codes))).values_list(
        "code", "pk", "county_code", "region_id"
    )
    lookup = {code: pk for code, pk, _county, _region in found}
    stations = {pk: (county, region) for _code, pk, county, region in found}
    station_ids = list(map(lookup.get, codes))
    errors = []
    if None in station_ids:
        for offset, (code, sid) in enumerate(zip(codes, station_ids, strict=True)):
            if sid is None:
                message = (
                    _("站点编码不能为空")
                    if not code
                    else _("站点编码“%(code)s”不存在或不在您的管辖范围内") % {"code": code}
                )
                errors.append(CellError(offset + 2, STATION_HEADER, message))
    return codes, station_ids, stations, errors


def _chunks(plan: _Plan, progress: Progress) -> Iterator[_Chunk | None]:
    """Check the file chunk by chunk; yield each chunk's rows as table columns, or None once
    any error has been found (checking goes on, so that every error is reported)."""
    spec, ctx = plan.spec, plan.ctx
    county_of = {pk: county for pk, (county, _region) in plan.stations.items()}
    seen_parcels: dict[tuple[str, str], int] = {}
    for start in range(0, plan.count, CHUNK):
        rows = plan.rows[start : start + CHUNK]
        first_row = start + 2
        texts: dict[str, list[Any]] = {}
        for column in spec.columns:
            if column.header in plan.positions:
                values: Sequence[Any] = list(map(itemgetter(plan.positions[column.header]), rows))
            else:
                values = [None] * len(rows)
            texts[column.field], errors = convert_column(column, values, ctx, first_row=first_row)
            plan.errors += errors
        if spec.kind == "parcel":
            plan.errors += _check_parcels(texts, first_row, seen_parcels)
        progress("check", min(start + CHUNK, plan.count), plan.count)
        if plan.errors:
            yield None
            continue
        station_ids = plan.station_ids[start : start + CHUNK]
        codes = plan.codes[start : start + CHUNK]
        if spec.date_from != "occurred_on":
            texts["occurred_on"] = _local_dates(texts[spec.date_from])
        fields = list(texts)
        yield _Chunk(
            columns=["station_id", "county_code", "row_key", *fields],
            values=[
                station_ids,
                list(map(county_of.__getitem__, station_ids)),
                [],  # keys: filled by _number_keys, which sees the whole file
                *(texts[f] for f in fields),
            ],
            keys=_row_lines(spec, codes, texts),
            station_ids=station_ids,
        )


def _rejected(plan: _Plan) -> ImportRejected:
    errors = plan.errors
    if plan.row_numbers is not None:
        errors = [replace(e, row=plan.row_numbers[e.row - 2]) if e.row >= 2 else e for e in errors]
    order = {h: i for i, h in enumerate(plan.spec.headers)}
    return ImportRejected(sorted(errors, key=lambda e: (e.row, order.get(e.column, -1))))


def _check_parcels(texts: dict[str, list[Any]], first_row: int, seen: dict[tuple[str, str], int]) -> list[CellError]:
    errors = []
    arrived, notified, handed = texts["arrived_at"], texts["notified_at"], texts["handed_over_at"]
    for offset, key in enumerate(zip(texts["carrier"], texts["tracking_no"], strict=True)):
        row = first_row + offset
        if key[1] and key in seen:
            errors.append(CellError(row, "运单号", _("运单号在文件中重复（与第 %(row)d 行）") % {"row": seen[key]}))
        seen.setdefault(key, row)
        a = arrived[offset]
        if a is None or a == "\\N":
            continue
        if notified[offset] not in (None, "\\N") and notified[offset] < a:
            errors.append(CellError(row, "通知时间", _("通知时间早于到站/收寄时间")))
        if handed[offset] not in (None, "\\N") and handed[offset] < a:
            errors.append(CellError(row, "交付/取件时间", _("交付/取件时间早于到站/收寄时间")))
    return errors


def _local_dates(utc_texts: Sequence[str]) -> list[str]:
    return [
        (datetime.strptime(t[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) + UTC_OFFSET).date().isoformat()
        for t in utc_texts
    ]


def _row_lines(spec: LedgerSpec, codes: list[str], texts: dict[str, list[Any]]) -> list[str]:
    """The text each row's key is the hash of (before numbering identical rows)."""
    if spec.key_fields is not None:
        return list(map("\t".join, zip(*(texts[f] for f in spec.key_fields), strict=True)))
    parts = [
        codes,
        *(texts[f] if None not in texts[f] else ["" if v is None else v for v in texts[f]] for f in spec.fields),
    ]
    return list(map("\t".join, zip(*parts, strict=True)))


class _KeyNumbering:
    """Identical rows are distinct transactions (two sales of the same thing on the same day):
    the n-th repetition of a row within the file gets its occurrence number in its key."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.repeats: dict[str, int] = {}  # rows seen more than once: how often so far

    def keys(self, lines: list[str]) -> list[str]:
        fresh = set(lines)
        if len(fresh) != len(lines) or not self.seen.isdisjoint(fresh):
            numbered = []
            for line in lines:
                n = self.repeats.get(line, 1) if line in self.seen else 0
                if n:
                    self.repeats[line] = n + 1
                self.seen.add(line)
                numbered.append(f"{line}\x1e{n}" if n else line)
            lines = numbered
        else:
            self.seen |= fresh
        return keys_of(lines)


def _common_region(codes: set[str]) -> str:
    prefix = next(iter(codes)) if len(codes) == 1 else _common_prefix(sorted(codes))
    for length in REGION_CODE_LENGTHS:
        if len(prefix) >= length:
            return prefix[:length]
    return ""


def _common_prefix(codes: list[str]) -> str:
    first, last = codes[0], codes[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _import(acting_user: User, plan: _Plan, file_name: str, digest: str, progress: Progress, is_demo: bool):
    spec = plan.spec
    now = plan.ctx.now
    user_id = getattr(acting_user, "pk", None)
    # Inside a caller's transaction a second connection would not see that transaction's rows:
    # then check the whole file first and look keys up on this connection.
    pipelined = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        # imports into one county take turns, so a key found absent stays absent
        for county in sorted({c for c, _r in plan.stations.values()}):
            lock_county(spec.model, county)
        batch = ImportBatch.objects.create(
            kind=spec.kind,
            file_name=file_name[:255],
            digest=digest,
            rows_read=plan.count,
            region_code=_common_region({r for _c, r in plan.stations.values()}) if plan.stations else "",
            station_id=next(iter(plan.stations)) if len(plan.stations) == 1 else None,
            created_by=acting_user if user_id else None,
            started_at=now,
            is_demo=is_demo,
        )
        chunks: Iterable[_Chunk | None] = _chunks(plan, progress)
        if not pipelined:
            chunks = list(chunks)
        if plan.errors and not pipelined:
            raise _rejected(plan)
        if connection.vendor == "postgresql":
            created, station_ids = _copy_postgres(plan, chunks, now, user_id, batch.pk, pipelined)
        else:
            created, station_ids = _insert_sqlite(plan, chunks, now, user_id, batch.pk)
        if plan.errors:
            raise _rejected(plan)  # rolls back whatever was already streamed
        if station_ids:
            Station.objects.filter(pk__in=station_ids).update(last_activity_at=now)
        batch.rows_created = created
        batch.rows_skipped = plan.count - created
        batch.finished_at = timezone.now()
        batch.save(update_fields=["rows_created", "rows_skipped", "finished_at"])
        log_event(
            actor=acting_user if user_id else None,
            obj=batch,
            message="import",
            data={"kind": spec.kind, "rows": plan.count, "created": created, "digest": digest},
        )
        progress("write", plan.count, plan.count)
        _before_commit()
    return batch


def _table_columns(chunk: _Chunk) -> list[str]:
    return [*chunk.columns, "recorded_at", "created_by_id", "batch_id"]


def _copy_postgres(plan: _Plan, chunks, now, user_id, batch_id, pipelined: bool) -> tuple[int, set[int]]:
    """Stream the rows into the table with COPY while the next chunk is being checked; keys
    already in the table are looked up first (on a second connection while COPY streams)."""
    table = plan.spec.model._meta.db_table
    counties = sorted({c for c, _r in plan.stations.values()})
    user_text = str(user_id) if user_id else "\\N"
    suffix = f"{now.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}+00\t{user_text}\t{batch_id}"
    numbering = _KeyNumbering()
    created, station_ids = 0, set()
    side = connection.get_new_connection(connection.get_connection_params()) if pipelined else None
    try:
        with connection.cursor() as cursor:
            if side is None:  # everything is checked already: keys are known, look them up here
                prepared: Iterable = [
                    (c, keys, _existing_keys(cursor, table, plan.spec, c, keys, counties))
                    for c in chunks
                    for keys in [numbering.keys(c.keys)]
                ]
            else:
                side.autocommit = True

                def probed(chunk):
                    if chunk is None or plan.errors:
                        return None, None, None
                    keys = numbering.keys(chunk.keys)
                    with side.cursor() as probe:
                        return chunk, keys, _existing_keys(probe, table, plan.spec, chunk, keys, counties)

                prepared = map(probed, chunks)
            copy_sql = None
            copy_cm = None
            copy = None
            try:
                for chunk, keys, existing in prepared:
                    if chunk is None or plan.errors:
                        continue
                    values = chunk.values
                    values[2] = keys
                    if existing:
                        keep = [k not in existing for k in keys]
                        values = [list(compress(col, keep)) for col in values]
                    if not values[0]:
                        continue
                    if copy is None:
                        copy_sql = f"COPY {table} ({', '.join(_table_columns(chunk))}) FROM STDIN"
                        # a writer thread sends the data, so checking the next chunk goes on
                        # while PostgreSQL is still storing this one
                        copy_cm = cursor.cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor.cursor))
                        copy = copy_cm.__enter__()
                    lines = map("\t".join, zip(map(str, values[0]), *values[1:], repeat(suffix), strict=False))
                    copy.write("\n".join(lines) + "\n")
                    created += len(values[0])
                    station_ids.update(values[0])
            except BaseException as exc:
                if copy_cm is not None:
                    copy_cm.__exit__(type(exc), exc, exc.__traceback__)
                raise
            if copy_cm is not None:
                copy_cm.__exit__(None, None, None)
    finally:
        if side is not None:
            side.close()
    return created, station_ids


def _existing_keys(cursor, table: str, spec: LedgerSpec, chunk: _Chunk, keys: list[str], counties: list[str]) -> set:
    """The chunk's keys already in the table. A row key includes its station and date, so when the
    chunk's stations have no row in its dates (the usual case: new data), none can exist and the
    probe is skipped; otherwise each key is looked up with its station and date, the leading columns
    of the key's index. A parcel's key (carrier and tracking number) is looked up by itself."""
    station_ids, dates = chunk.values[0], chunk.values[chunk.columns.index("occurred_on")]
    postgres = connection.vendor == "postgresql"
    if spec.key_fields is None:
        stations = sorted(set(station_ids))
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {table} WHERE station_id IN ({', '.join(['%s'] * len(stations))}) "  # noqa: S608
            "AND occurred_on BETWEEN %s AND %s)",
            [*stations, min(dates), max(dates)],
        )
        if not cursor.fetchone()[0]:
            return set()
    if postgres:
        # the keys travel as comma-separated text (psycopg's array adapter is slow for 20,000
        # strings); one index probe per key
        if spec.key_fields is None:
            # LIMIT keeps the lookup a subquery per key (an index probe in the key's month) rather than
            # a join the planner may turn into a sort of the whole table
            cursor.execute(
                "SELECT t.row_key FROM unnest(string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')::date[], "  # noqa: S608
                "string_to_array(%s, ',')) AS k(station_id, occurred_on, row_key) "
                f"CROSS JOIN LATERAL (SELECT row_key FROM {table} t WHERE t.station_id = k.station_id "
                "AND t.occurred_on = k.occurred_on AND t.row_key = k.row_key LIMIT 1) AS t",
                [",".join(map(str, station_ids)), ",".join(dates), ",".join(keys)],
            )
        else:
            cursor.execute(
                "SELECT t.row_key FROM unnest(string_to_array(%s, ',')) AS k(row_key) "  # noqa: S608
                f"JOIN {table} t ON t.row_key = k.row_key AND t.county_code = ANY(%s)",
                [",".join(keys), counties],
            )
        return {row[0] for row in cursor.fetchall()}
    existing = set()
    for start in range(0, len(keys), 300):
        end = start + 300
        part = keys[start:end]
        if spec.key_fields is None:
            triples = [v for t in zip(station_ids[start:end], dates[start:end], part, strict=True) for v in t]
            sql = (
                f"SELECT t.row_key FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(part))}) AS k "  # noqa: S608
                f"JOIN {table} t ON t.station_id = k.column1 AND t.occurred_on = k.column2 AND t.row_key = k.column3"
            )
        else:
            triples, sql = part, f"SELECT row_key FROM {table} WHERE row_key IN ({', '.join(['%s'] * len(part))})"  # noqa: S608
        cursor.execute(sql, triples)
        existing.update(row[0] for row in cursor.fetchall())
    return existing


def _insert_sqlite(plan: _Plan, chunks, now, user_id, batch_id) -> tuple[int, set[int]]:
    """One batched INSERT per chunk inside the import's transaction; keys already in the table
    are looked up first, so the count and the stations touched are exact."""
    table = plan.spec.model._meta.db_table
    recorded = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    numbering = _KeyNumbering()
    created, station_ids = 0, set()
    with connection.cursor() as cursor:
        for chunk in chunks:
            if chunk is None or plan.errors:
                continue
            keys = numbering.keys(chunk.keys)
            existing = _existing_keys(cursor, table, plan.spec, chunk, keys, [])
            values = chunk.values
            values[2] = keys
            if existing:
                keep = [k not in existing for k in keys]
                values = [list(compress(col, keep)) for col in values]
            if not values[0]:
                continue
            columns = _table_columns(chunk)
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(columns))})"
            )
            cursor.executemany(
                sql, list(zip(*values, repeat(recorded), repeat(user_id), repeat(batch_id), strict=False))
            )
            created += len(values[0])
            station_ids.update(values[0])
    return created, station_ids
