"""Facts for the engine, gathered from the database set-based: a fixed number of aggregate queries
per period, whatever the number of counties and stations (no query per station or county)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from cunzhan.assessment import evidence
from cunzhan.assessment.engine import Period, Ref, StationFacts, SupervisionFacts
from cunzhan.assessment.integrity_hook import confirmed_fakes
from cunzhan.core.money import format_fixed
from cunzhan.stations.models import Station, Status

ASSESSABLE = (Status.CERTIFIED, Status.INCUBATION, Status.OPERATING, Status.RECTIFYING)


def _certified_by(period_end: date) -> datetime:
    """Certified on or before ``period_end`` (a local date) means certified before the next local midnight."""
    return timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))


def _stations(county_codes: list[str], period_end: date) -> QuerySet:
    """Certified stations of the counties, certified on or before the period end (a subquery)."""
    return Station.objects.filter(
        county_code__in=county_codes,
        status__in=ASSESSABLE,
        certified_at__isnull=False,
        certified_at__lt=_certified_by(period_end),
    )


def period_stations(county_code: str, period_end: date) -> list[dict[str, Any]]:
    """Certified stations of the county, certified on or before the period end."""
    rows = (
        Station.objects.filter(county_code=county_code, status__in=ASSESSABLE, certified_at__isnull=False)
        .order_by("code")
        .values("id", "code", "resident_population", "certified_at", "tier")
    )
    stations = []
    for row in rows:
        certified = timezone.localtime(row["certified_at"]).date()
        if certified <= period_end:
            stations.append({**row, "certified": certified})
    return stations


def _count_by_station(model_label: str, ids: QuerySet | list[int], start: date, end: date) -> dict[int, int]:
    model = apps.get_model(model_label)
    rows = (
        model.objects.filter(station_id__in=ids, occurred_on__gte=start, occurred_on__lte=end)
        .order_by()
        .values("station_id")
        .annotate(n=Count("pk"))
        .values_list("station_id", "n")
    )
    return dict(rows)


def _orders_by_station(
    county_codes: list[str], ids: QuerySet | list[int], start: date, end: date
) -> tuple[dict[int, int], dict[int, int]]:
    """Proxy purchases and sales per station in [start, end]: from the maintained monthly aggregates
    when the span is whole months (a half-year always is), never a scan of the raw ledgers."""
    if start.day != 1 or (end + timedelta(days=1)).day != 1:
        return (
            _count_by_station("ledgers.ProxyPurchase", ids, start, end),
            _count_by_station("ledgers.ProxySale", ids, start, end),
        )
    from cunzhan.ledgers.aggregates import refresh_counties
    from cunzhan.ledgers.models import StationMonth

    refresh_counties(county_codes)
    rows = (
        StationMonth.objects.filter(station_id__in=ids, month__gte=start, month__lte=end)
        .order_by()
        .values("station_id")
        .annotate(p=Sum("purchase_orders"), s=Sum("sale_orders"))
        .values_list("station_id", "p", "s")
    )
    purchases, sales = {}, {}
    for station_id, p, s in rows:
        purchases[station_id], sales[station_id] = p, s
    return purchases, sales


def gather_period(county_code: str, period: Period, *, now: datetime | None = None) -> list[StationFacts]:
    """The facts of the county's certified stations for the period, in station code order."""
    return gather_period_many([county_code], period, now=now)[county_code]


def gather_period_many(
    county_codes: Iterable[str], period: Period, *, now: datetime | None = None
) -> dict[str, list[StationFacts]]:
    """:func:`gather_period` for many counties at once: by county code (every code given, in station code
    order). A fixed number of aggregate queries for the whole batch, whatever the number of counties and
    stations: the stations are a subquery (``county_code IN (…)``), never a list of ids sent back. The
    counts of lapses (reports, trainings, marketing duties, complaints) are the numbers of their records,
    which the facts keep as each count's references (:mod:`cunzhan.assessment.evidence`)."""
    from cunzhan.supervision.evidence import inspection_photos
    from cunzhan.supervision.selectors import inspection_facts

    now = now or timezone.now()
    codes = list(dict.fromkeys(county_codes))
    start, end = period.start, period.end
    in_period = _stations(codes, end)
    ids = in_period.order_by().values("pk")
    stations = in_period.order_by("county_code", "code").values(
        "id", "code", "county_code", "resident_population", "certified_at"
    )
    purchases, sales = _orders_by_station(codes, ids, start, end)
    fakes = confirmed_fakes(ids, start, end)  # orders confirmed as 刷单 are not counted (integrity_hook)
    purchases, sales = fakes.net("purchase", purchases), fakes.net("sale", sales)
    lapses, faults = evidence.gather(ids, codes, period, now)
    inspections = inspection_facts(ids, period.year, period.half)
    photos = inspection_photos(i.inspection_id for i in inspections.values() if _loses_points(i.scores))
    ledgers = {kind: [evidence.ledger_ref(kind, period)] for kind in ("purchase", "sale")}
    result: dict[str, list[StationFacts]] = {code: [] for code in codes}
    local = timezone.get_current_timezone()  # once: timezone.localtime() looks it up on every call
    none = evidence.Evidence()
    for s in stations:
        sid = s["id"]
        certified = s["certified_at"].astimezone(local).date()
        if certified > end:  # as in period_stations: the local date decides
            continue
        inspection = inspections.get(sid)
        ratings: dict[str, Decimal | None] = dict(inspection.scores) if inspection else {}
        refs: dict[str, list[Ref]] = {"purchase_orders": ledgers["purchase"], "sale_orders": ledgers["sale"]}
        if inspection:
            rated = evidence.inspection_refs(
                inspection.inspection_id, inspection.inspected_at, photos.get(inspection.inspection_id, [])
            )
            refs.update({f"rating:{key}": rated for key in ratings})
        found = lapses.get(sid, none)
        refs.update(found.refs)
        for fact, flags in fakes.refs(sid).items():  # the confirmed 刷单 flags that took orders out
            refs[fact] = [*refs[fact], *flags]
        n = found.counts
        result[s["county_code"]].append(
            StationFacts(
                station=s["code"],
                population=s["resident_population"] or 0,
                certified=certified,
                ratings=ratings,
                faults=tuple(faults.get(sid, ())),
                leave=n.get("leave", 0),
                absent=n.get("absent", 0),
                late=n.get("late", 0),
                early_leave=n.get("early_leave", 0),
                failed_tests=n.get("failed_tests", 0),
                missed_activities=n.get("missed_activities", 0),
                missed_activity_reports=n.get("missed_activity_reports", 0),
                late_reports=n.get("late_reports", 0),
                missed_reports=n.get("missed_reports", 0),
                purchase_orders=purchases.get(sid, 0),
                sale_orders=sales.get(sid, 0),
                parcel_complaints=n.get("parcel_complaints", 0),
                refs=refs,
            )
        )
    return result


def _loses_points(scores: dict[str, Decimal]) -> bool:
    """Whether an inspection rated any sub-item below its maximum (its photos then back a deduction)."""
    from cunzhan.supervision.rating_items import ITEMS_BY_KEY

    return any(key in ITEMS_BY_KEY and score < ITEMS_BY_KEY[key].max for key, score in scores.items())


def gather_supervision(county_code: str, year: int) -> dict[str, SupervisionFacts]:
    """Verified daily-supervision events of the whole year, by station code, each kind with its records."""
    stations = period_stations(county_code, date(year, 12, 31))
    found = evidence.supervision_evidence([s["id"] for s in stations], year)
    out = {}
    for s in stations:
        f = found.get(s["id"])
        out[s["code"]] = (
            SupervisionFacts(station=s["code"], counts=dict(f.counts), refs=dict(f.refs))
            if f
            else SupervisionFacts(station=s["code"])
        )
    return out


def to_json(value: Any) -> Any:
    """Facts and results as JSON: Decimals and dates as strings, dataclasses as dicts."""
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS[type(value)] = _converter(type(value))
    return convert(value)


def _converter(kind: type) -> Callable[[Any], Any]:
    """How :func:`to_json` converts a value of the type (decided once per type: the results of a province
    are 20,000 × a few hundred values)."""
    if kind is Ref:  # its kind and id, and only the other fields it has
        return lambda value: value.as_dict()
    if dataclasses.is_dataclass(kind):
        names = _stored_fields(kind)
        return lambda value: {name: to_json(getattr(value, name)) for name in names}
    if issubclass(kind, dict):
        return lambda value: {str(k): to_json(v) for k, v in value.items()}
    if issubclass(kind, list | tuple):
        return lambda value: [to_json(v) for v in value]
    if issubclass(kind, Decimal):
        return format_fixed
    if issubclass(kind, date | datetime):
        return lambda value: value.isoformat()
    return _same


def _same(value: Any) -> Any:
    return value


def json_text(value: Any) -> str:
    """``json.dumps(to_json(value), ensure_ascii=False)``, the same text, several times faster: the C encoder
    walks the value and calls back only for dataclasses (shallow), Decimals and dates."""
    return _encode(value)


def _json_default(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:  # the most frequent by far
        return format_fixed(value)
    if kind is Ref:
        return value.as_dict()
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(kind):
            convert = _CONVERTERS.get(kind) or _converter(kind)
            if convert is _same:
                raise TypeError(f"{kind.__name__} is not JSON serializable")
            return convert(value)  # a Decimal or a date: a string
        names = _FIELD_NAMES[kind] = _stored_fields(kind)
    return {name: getattr(value, name) for name in names}


def _stored_fields(kind: type) -> tuple[str, ...]:
    """A dataclass's fields as JSON keeps them: all but those marked ``metadata={"stored": False}`` (the facts'
    references, which the explanation lines keep)."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.metadata.get("stored", True))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode


_CONVERTERS: dict[type, Callable[[Any], Any]] = {str: _same, int: _same, bool: _same, float: _same, type(None): _same}
