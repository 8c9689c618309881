"""Keeping :class:`StationMonth` current, set-based.

``refresh_county`` runs before a county's figures are read and costs a few index lookups when
nothing changed. What makes a station-month stale:

* ledger rows with an id above the county's high-water mark (manual entries, imports, COPY);
* ledger entries corrected or deleted since the last refresh, read from the operation log that
  every correction and deletion writes (django-auditlog, in the same transaction).

Only the stale station-months are recounted, with one grouped query per ledger. The marks follow
the newest id of the whole table (so the check stays a short index range however much other
counties write), but never while a write of the county is under way: entries and imports hold the
county's ledger lock, and a refresh that cannot take it counts what it sees and keeps the mark.
``dashboards_refresh --full`` (nightly) rebuilds a county from the ledgers all the same.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cunzhan.core import dates
from cunzhan.ledgers.importers import writes_settled
from cunzhan.ledgers.models import (
    AggregateState,
    ConvenienceService,
    Direction,
    Parcel,
    ProxyPurchase,
    ProxySale,
    StationMonth,
)
from cunzhan.stations.models import Station

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")
LEDGERS = (("purchase", ProxyPurchase), ("sale", ProxySale), ("parcel", Parcel), ("service", ConvenienceService))

Pair = tuple[int, date]  # (station id, first day of month)


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


def refresh_county(county_code: str) -> int:
    """Bring the county's aggregates up to date; the number of station-months recounted."""
    current = AggregateState.objects.filter(county_code=county_code).first()
    tops = _tops()  # read first: rows below these ids that are absent now are not this county's
    if current is not None and not _pending(current, county_code, tops):
        _advance(current, tops)
        return 0  # the common case: a few index probes, no lock, no write
    with transaction.atomic():
        state = _locked_state(county_code)
        marks = [getattr(state, f"{kind}_id") for kind, _m in LEDGERS]
        log_mark = state.log_id
        log_top = _log_top()  # before any write is found settled, as each ledger's newest id below
        stale: set[Pair] = set()
        settled = True
        for kind, model in LEDGERS:
            mark = getattr(state, f"{kind}_id")
            # the mark moves to the newest id of the whole table, so that the next check reads only rows
            # newer than this refresh, whatever the other counties wrote meanwhile; but not while a write
            # of this county is under way (its ids may lie below that newest id): then the rows seen are
            # counted and the mark stays, to look again next time
            top = tops[kind]
            free = writes_settled(model, county_code)  # asked after reading the newest id
            settled &= free
            if top <= mark:
                continue
            county = Station.objects.filter(county_code=county_code).values("pk")
            rows = (
                model.objects.filter(county_code=county_code, station_id__in=county, pk__gt=mark, pk__lte=top)
                .annotate(m=TruncMonth("occurred_on"))
                .values_list("station_id", "m")
                .distinct()
                .order_by()
            )
            stale.update((s, _as_date(m)) for s, m in rows)
            if free:
                setattr(state, f"{kind}_id", top)
        stale |= _corrected_since(state, county_code, log_top)
        if settled:  # a correction under way may hold a log id below the newest: look again next time
            state.log_id = log_top
        recount(county_code, stale)
        if (
            stale
            or state.log_id != log_mark
            or state.refreshed_at is None
            or marks != [getattr(state, f"{k}_id") for k, _m in LEDGERS]
        ):
            state.refreshed_at = timezone.now()
            state.save()
    return len(stale)


def refresh_counties(county_codes: list[str]) -> int:
    """:func:`refresh_county` for many counties (an assessment of a province): which of them have
    anything new is found with one query per ledger, and only those are refreshed."""
    codes = sorted(set(county_codes))
    states = {s.county_code: s for s in AggregateState.objects.filter(county_code__in=codes)}
    stale = {code for code in codes if code not in states}
    known = [code for code in codes if code in states]
    if known:
        tops = _tops()  # read first, as in refresh_county
        for kind, model in LEDGERS:
            # the counties with rows above their own mark: one range of the primary key (id first),
            # from the lowest mark to the newest id, with each county's highest id in it. The marks of
            # quiet counties follow the newest id (_advance), so the range is what was written since
            # the last look.
            lowest = min(getattr(states[code], f"{kind}_id") for code in known)
            if lowest >= tops[kind]:
                continue
            newest = dict(
                model.objects.filter(pk__gt=lowest, pk__lte=tops[kind])
                .order_by()
                .values_list("county_code")
                .annotate(newest=Max("pk"))
            )
            stale.update(code for code in known if newest.get(code, 0) > getattr(states[code], f"{kind}_id"))
        lowest_log = min(states[code].log_id for code in known)
        if LogEntry.objects.filter(
            pk__gt=lowest_log,
            content_type_id__in=[ct.pk for ct in _ledger_types().values()],
            action__in=[LogEntry.Action.UPDATE, LogEntry.Action.DELETE],
        ).exists():
            stale |= set(known)  # a correction: each county checks its own (the usual path)
        for code in known:
            if code not in stale:
                _advance(states[code], tops)
    return sum(refresh_county(code) for code in sorted(stale))


def rebuild_county(county_code: str) -> int:
    """Recount every station-month of the county from the ledgers."""
    with transaction.atomic():
        state = _locked_state(county_code)
        stale = set(StationMonth.objects.filter(county_code=county_code).values_list("station_id", "month").order_by())
        log_top = _log_top()
        settled = True
        for kind, model in LEDGERS:
            top = model.objects.aggregate(m=Max("pk"))["m"] or 0
            free = writes_settled(model, county_code)  # as in refresh_county
            settled &= free
            rows = model.objects.filter(county_code=county_code).annotate(m=TruncMonth("occurred_on"))
            stale.update((s, _as_date(m)) for s, m in rows.values_list("station_id", "m").distinct().order_by())
            if free:
                setattr(state, f"{kind}_id", top)
        if settled:
            state.log_id = log_top
        recount(county_code, stale)
        state.refreshed_at = timezone.now()
        state.save()
    return len(stale)


def mark_current(county_codes: list[str]) -> None:
    """Record that the counties' aggregates are current up to now (for a bulk loader that wrote the
    aggregates itself, as ``demo --scale province`` does)."""
    with transaction.atomic():
        for code in county_codes:
            AggregateState.objects.get_or_create(county_code=code)
        values = {f"{kind}_id": model.objects.aggregate(m=Max("pk"))["m"] or 0 for kind, model in LEDGERS}
        values["log_id"] = LogEntry.objects.aggregate(m=Max("pk"))["m"] or 0
        AggregateState.objects.filter(county_code__in=county_codes).update(refreshed_at=timezone.now(), **values)


# how far the newest id of a ledger may run ahead of a county's mark before the mark is moved up
ADVANCE_AFTER = 5000


def _tops() -> dict[str, int]:
    """The newest id handed out in each ledger, in one round trip (every figure read asks).

    On PostgreSQL it is the id sequence's value: ``MAX(id)`` costs a plan over every monthly partition,
    several milliseconds for four ledgers. The sequence may be ahead of the committed rows; the marks
    still never pass a write of the county under way, as that is asked after this is read
    (:func:`~cunzhan.ledgers.importers.writes_settled`)."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        newest = ", ".join(
            f"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence})"  # noqa: S608  from the catalog
            for sequence in _sequences()
        )
    else:
        newest = ", ".join(
            f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"  # noqa: S608  names from the models
            for _kind, model in LEDGERS
        )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {newest}")
        row = cursor.fetchone()
    return {kind: top or 0 for (kind, _model), top in zip(LEDGERS, row, strict=True)}


@functools.cache
def _sequences() -> tuple[str, ...]:
    """The ledgers' id sequences (PostgreSQL), looked up once per process."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["pg_get_serial_sequence(%s, 'id')"] * len(LEDGERS)),
            [model._meta.db_table for _kind, model in LEDGERS],
        )
        return tuple(cursor.fetchone())


def _advance(state: AggregateState, tops: dict[str, int]) -> None:
    """Nothing new in the county: move its marks up to the tables' newest ids once they run far
    ahead (other counties' rows), so the check stays a short index range. Only for ledgers with no
    write of the county under way, and after looking again once that is certain."""
    if all(getattr(state, f"{kind}_id") + ADVANCE_AFTER >= top for kind, top in tops.items()):
        return
    moved = {}
    with transaction.atomic():
        for kind, model in LEDGERS:
            mark, top = getattr(state, f"{kind}_id"), tops[kind]
            if top <= mark or not writes_settled(model, state.county_code):
                continue
            if not _rows_between(model, state.county_code, mark, top):
                moved[f"{kind}_id"] = top
        if moved:
            AggregateState.objects.filter(pk=state.pk).update(**moved)


def _pending(state: AggregateState, county_code: str, tops: dict[str, int]) -> bool:
    for kind, model in LEDGERS:
        mark, top = getattr(state, f"{kind}_id"), tops[kind]
        if top > mark and _rows_between(model, county_code, mark, top):
            return True
    return LogEntry.objects.filter(
        pk__gt=state.log_id,
        content_type_id__in=[ct.pk for ct in _ledger_types().values()],
        action__in=[LogEntry.Action.UPDATE, LogEntry.Action.DELETE],
    ).exists()


# A county's rows with ids in a range are found by the primary key (id first): the ids above a mark
# are a short range of the newest rows. The county is compared as an expression so that the planner
# cannot take the county's own index instead, which reads the county's rows of every month to test
# their ids (a prepared statement's plan cannot tell a short id range from a long one).
_COUNTY_NOT_INDEXED = "(t.county_code || '')"


def _rows_between(model, county_code: str, mark: int, top: int) -> bool:
    """Whether the county has rows in the ledger with ids in ``(mark, top]``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {model._meta.db_table} t "  # noqa: S608  a model's table
            f"WHERE {_COUNTY_NOT_INDEXED} = %s AND t.id > %s AND t.id <= %s)",
            [county_code, mark, top],
        )
        return cursor.fetchone()[0]


def _ledger_types() -> dict:
    return ContentType.objects.get_for_models(*(model for _kind, model in LEDGERS))


def _locked_state(county_code: str) -> AggregateState:
    AggregateState.objects.get_or_create(county_code=county_code)
    # one refresher per county at a time; the others wait and then find nothing left to do
    return AggregateState.objects.select_for_update().get(county_code=county_code)


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _log_top() -> int:
    return LogEntry.objects.aggregate(m=Max("pk"))["m"] or 0


def _corrected_since(state: AggregateState, county_code: str, log_top: int) -> set[Pair]:
    """Station-months touched by corrections and deletions logged after the state's log mark, up to
    ``log_top``."""
    model_by_type = {ct.pk: model for model, ct in _ledger_types().items()}
    entries = list(
        LogEntry.objects.filter(
            pk__gt=state.log_id,
            pk__lte=log_top,
            content_type_id__in=list(model_by_type),
            action__in=[LogEntry.Action.UPDATE, LogEntry.Action.DELETE],
        )
        .values_list("pk", "content_type_id", "object_id", "action", "changes")
        .order_by("pk")
    )
    stale: set[Pair] = set()
    # updated entries: (model, id) -> the day they had before, when the correction moved them
    updated: dict[type, dict[int, str | None]] = defaultdict(dict)
    for _pk, type_id, object_id, action, changes in entries:
        changes = changes if isinstance(changes, dict) else {}
        old_day = _old_value(changes, "occurred_on")
        if action == LogEntry.Action.DELETE:
            station, county = _old_value(changes, "station"), _old_value(changes, "county_code")
            if county == county_code and station and old_day:
                stale.add((int(station), month_of(date.fromisoformat(old_day))))
            continue
        seen = updated[model_by_type[type_id]]
        seen[object_id] = seen.get(object_id) or old_day
    for model, days in updated.items():
        rows = model.objects.filter(county_code=county_code, pk__in=list(days)).values_list(
            "pk", "station_id", "occurred_on"
        )
        for pk, station_id, day in rows:
            stale.add((station_id, month_of(day)))
            if days[pk]:  # the month it left
                stale.add((station_id, month_of(date.fromisoformat(days[pk]))))
    return stale


def _old_value(changes: dict, field: str) -> str | None:
    value = changes.get(field)
    if isinstance(value, list | tuple) and value and value[0] not in (None, "None", ""):
        return str(value[0])[:10] if field == "occurred_on" else str(value[0])
    return None


def recount(county_code: str, stale: set[Pair]) -> None:
    """Replace the aggregate rows of the stale station-months by fresh counts."""
    if not stale:
        return
    stations = {s for s, _m in stale}
    first = min(m for _s, m in stale)
    last = dates.month_last(*(lambda m: (m.year, m.month))(max(m for _s, m in stale)))
    span = {
        "county_code": county_code,
        "station_id__in": sorted(stations),
        "occurred_on__gte": first,
        "occurred_on__lte": last,
    }
    fresh: dict[Pair, StationMonth] = {}

    def row_of(station_id: int, month) -> StationMonth | None:
        key = (station_id, _as_date(month))
        if key not in stale:
            return None
        if key not in fresh:
            fresh[key] = StationMonth(station_id=station_id, county_code=county_code, month=key[1])
        return fresh[key]

    def grouped(model, **aggregates):
        return (
            model.objects.filter(**span)
            .annotate(m=TruncMonth("occurred_on"))
            .values("station_id", "m")
            .annotate(**aggregates)
            .order_by()
        )

    for r in grouped(ProxyPurchase, n=Count("pk"), a=Sum("amount")):
        if row := row_of(r["station_id"], r["m"]):
            row.purchase_orders, row.purchase_amount = r["n"], r["a"] or ZERO
    farm = Q(farm_product=True)
    for r in grouped(
        ProxySale, n=Count("pk"), a=Sum("amount"), fn=Count("pk", filter=farm), fa=Sum("amount", filter=farm)
    ):
        if row := row_of(r["station_id"], r["m"]):
            row.sale_orders, row.sale_amount = r["n"], r["a"] or ZERO
            row.farm_orders, row.farm_amount = r["fn"], r["fa"] or ZERO
    for r in grouped(
        Parcel,
        pin=Count("pk", filter=Q(direction=Direction.IN)),
        pout=Count("pk", filter=Q(direction=Direction.OUT)),
    ):
        if row := row_of(r["station_id"], r["m"]):
            row.parcels_in, row.parcels_out = r["pin"], r["pout"]
    for r in grouped(ConvenienceService, n=Count("pk"), a=Sum("amount")):
        if row := row_of(r["station_id"], r["m"]):
            row.services, row.services_amount = r["n"], r["a"] or ZERO
    by_month: dict[date, list[int]] = defaultdict(list)
    for station_id, month in stale:
        by_month[month].append(station_id)
    for month, ids in by_month.items():
        StationMonth.objects.filter(month=month, station_id__in=ids).delete()
    StationMonth.objects.bulk_create(fresh.values(), batch_size=2000)
    log.debug("recounted %s station-months of %s", len(stale), county_code)
