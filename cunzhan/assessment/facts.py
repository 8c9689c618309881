"""Facts for the engine, gathered from the database set-based: a fixed number of aggregate queries
per county and period, whatever the number of stations (no query per station)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone

from cunzhan.assessment.engine import Fault, Period, StationFacts, SupervisionFacts
from cunzhan.stations.models import Station, Status

ASSESSABLE = (Status.CERTIFIED, Status.INCUBATION, Status.OPERATING, Status.RECTIFYING)


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


def _count_by_station(model_label: str, ids: list[int], start: date, end: date) -> dict[int, int]:
    model = apps.get_model(model_label)
    rows = (
        model.objects.filter(station_id__in=ids, occurred_on__gte=start, occurred_on__lte=end)
        .values("station_id")
        .annotate(n=Count("pk"))
        .values_list("station_id", "n")
    )
    return dict(rows)


def _faults(ids: list[int], period: Period) -> dict[int, list[Fault]]:
    from cunzhan.stations.models import FaultReport

    faults: dict[int, list[Fault]] = defaultdict(list)
    rows = FaultReport.objects.filter(station_id__in=ids, reported_at__date__lte=period.end).filter(
        Q(repaired_at__isnull=True) | Q(repaired_at__date__gte=period.start)
    )
    for row in rows.values("pk", "station_id", "reported_at", "repaired_at", "stops_operation"):
        faults[row["station_id"]].append(
            Fault(
                reported=timezone.localtime(row["reported_at"]).date(),
                repaired=timezone.localtime(row["repaired_at"]).date() if row["repaired_at"] else None,
                stopped_operation=row["stops_operation"],
                ref=f"fault:{row['pk']}",
            )
        )
    return faults


def _report_facts(county_code: str, start: date, end: date, now: datetime) -> dict[int, dict[str, int]]:
    if not apps.is_installed("cunzhan.reports"):
        return {}
    from cunzhan.reports.facts import report_facts

    return report_facts(county_code, start, end, now)


def gather_period(county_code: str, period: Period, *, now: datetime | None = None) -> list[StationFacts]:
    from cunzhan.activities.selectors import marketing_facts, training_facts
    from cunzhan.supervision.selectors import inspection_facts, supervision_facts

    now = now or timezone.now()
    stations = period_stations(county_code, period.end)
    ids = [s["id"] for s in stations]
    start, end = period.start, period.end
    purchases = _count_by_station("ledgers.ProxyPurchase", ids, start, end)
    sales = _count_by_station("ledgers.ProxySale", ids, start, end)
    faults = _faults(ids, period)
    training = training_facts(ids, start, end)
    marketing = marketing_facts(ids, start, end, now=now)
    supervision = supervision_facts(ids, start, end)
    inspections = inspection_facts(ids, period.year, period.half)
    reports = _report_facts(county_code, start, end, now)
    result = []
    for s in stations:
        sid = s["id"]
        t, m, v = training.get(sid), marketing.get(sid), supervision.get(sid)
        inspection = inspections.get(sid)
        ratings: dict[str, Decimal | None] = dict(inspection.scores) if inspection else {}
        refs: dict[str, list[str]] = {}
        if inspection:
            refs = {f"rating:{key}": [f"inspection:{inspection.inspection_id}"] for key in ratings}
        r = reports.get(sid, {})
        result.append(
            StationFacts(
                station=s["code"],
                population=s["resident_population"] or 0,
                certified=s["certified"],
                ratings=ratings,
                faults=tuple(faults.get(sid, ())),
                leave=t.leave if t else 0,
                absent=t.absent if t else 0,
                late=t.late if t else 0,
                early_leave=t.early_leave if t else 0,
                failed_tests=t.failed_tests if t else 0,
                missed_activities=m.missed_activities if m else 0,
                missed_activity_reports=m.missed_reports if m else 0,
                late_reports=r.get("late", 0),
                missed_reports=r.get("missed", 0),
                purchase_orders=purchases.get(sid, 0),
                sale_orders=sales.get(sid, 0),
                parcel_complaints=v.parcel_complaints if v else 0,
                refs=refs,
            )
        )
    return result


def gather_supervision(county_code: str, year: int) -> dict[str, SupervisionFacts]:
    """Verified daily-supervision events of the whole year, by station code."""
    from cunzhan.supervision.selectors import supervision_facts

    stations = period_stations(county_code, date(year, 12, 31))
    facts = supervision_facts([s["id"] for s in stations], date(year, 1, 1), date(year, 12, 31))
    out = {}
    for s in stations:
        f = facts.get(s["id"])
        out[s["code"]] = SupervisionFacts(station=s["code"], counts=dict(f.events) if f else {})
    return out


def to_json(value: Any) -> Any:
    """Facts and results as JSON: Decimals and dates as strings, dataclasses as dicts."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
