"""The records behind the assessment's supervision deductions, station by station: the verified parcel
complaints (item 9), the verified public reports and daily-supervision events (the annual composite), and
an inspection's photos. The assessment counts these lists and links its explanation lines to them, so a
count and its records cannot disagree. A fixed number of queries whatever the number of stations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from cunzhan.activities.selectors import station_ids_filter
from cunzhan.core.periods import SHANGHAI, day_start
from cunzhan.supervision.models import (
    Complaint,
    EventKind,
    InspectionPhoto,
    SupervisionEvent,
    VerificationStatus,
)


@dataclass(frozen=True, slots=True)
class SupervisionRecord:
    kind: str  # "complaint" or "event"
    id: int
    day: date  # the complaint's receipt (Asia/Shanghai) or the event's date
    category: str  # a ComplaintKind value for a complaint, an EventKind value for an event


def supervision_records(station_ids: Iterable[int], start: date, end: date) -> dict[int, list[SupervisionRecord]]:
    """Per station with any: the verified complaints (parcel complaints and public reports) received and the
    verified daily-supervision events dated start..end inclusive (Asia/Shanghai). Public reports are
    complaints; an event recorded with that kind is not counted a second time. Two queries."""
    ids, _given = station_ids_filter(station_ids)
    verified = Q(status=VerificationStatus.VERIFIED)
    records: dict[int, list[SupervisionRecord]] = defaultdict(list)
    complaints = (
        Complaint.objects.filter(
            verified,
            station_id__in=ids,
            received_at__gte=day_start(start),
            received_at__lt=day_start(end + timedelta(days=1)),
        )
        .order_by("received_at", "pk")
        .values_list("station_id", "pk", "received_at", "kind")
    )
    for station_id, pk, received_at, kind in complaints:
        records[station_id].append(SupervisionRecord("complaint", pk, received_at.astimezone(SHANGHAI).date(), kind))
    events = (
        SupervisionEvent.objects.filter(verified, station_id__in=ids, occurred_on__gte=start, occurred_on__lte=end)
        .exclude(kind=EventKind.PUBLIC_REPORT)
        .order_by("occurred_on", "pk")
        .values_list("station_id", "pk", "occurred_on", "kind")
    )
    for station_id, pk, day, kind in events:
        records[station_id].append(SupervisionRecord("event", pk, day, kind))
    return records


def inspection_photos(inspection_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Each inspection's photos as (photo id, PhotoKind value), in the inspection page's order. One query
    for up to ten thousand inspections."""
    photos: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ids = list(inspection_ids)
    for chunk in (ids[i : i + PHOTO_CHUNK] for i in range(0, len(ids), PHOTO_CHUNK)):
        rows = InspectionPhoto.objects.filter(inspection_id__in=chunk).values_list("inspection_id", "pk", "kind")
        for inspection_id, pk, kind in rows.order_by("inspection_id", "kind", "pk"):
            photos[inspection_id].append((pk, kind))
    return photos


PHOTO_CHUNK = 10_000  # ids a query names at most (SQLite's limit of bound parameters is 32,766)
