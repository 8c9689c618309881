"""Every read of inspections, complaints and supervision events that a page, API endpoint or
export uses, scoped to the user; and the facts the assessment reads (set-based: one query each)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.activities.selectors import grouped, grouped_counts, station_ids_filter
from cunzhan.core.periods import SHANGHAI, day_start
from cunzhan.core.roles import Role
from cunzhan.stations.models import Station
from cunzhan.supervision.models import (
    Complaint,
    ComplaintKind,
    EventKind,
    Inspection,
    InspectionPhoto,
    InspectionRating,
    SupervisionEvent,
    VerificationStatus,
)
from cunzhan.supervision.rating_items import KEYS, RATING_ITEMS


def inspections_for_user(user: User) -> QuerySet[Inspection]:
    user.scope.require("supervision.view")
    # the rated items counted per row by a subquery: a join and GROUP BY over every column of the four
    # tables made the lists' count and page dearer than all else on them
    rated = (
        InspectionRating.objects.filter(inspection=OuterRef("pk"))
        .order_by()
        .values("inspection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return user.scope.filter(
        Inspection.objects.select_related("station", "station__region", "inspector").annotate(
            rated=Coalesce(Subquery(rated), 0)
        )
    ).order_by("-inspected_at", "-pk")


def inspector_named(user: User, username: str) -> User:
    """The account the county office names as an inspection's inspector (历史导入): an active
    supervisor or county office account in the user's scope; ValidationError, on the field, otherwise
    (an account outside the scope is as unknown as one that does not exist)."""
    found = user.scope.filter(
        User.objects.filter(username=username.strip(), is_active=True, role__in=(Role.SUPERVISOR, Role.COUNTY_OFFICE))
    ).first()
    if found is None:
        message = _("察看人账号“%(name)s”不存在、已停用，或不是本县的督查员或电商办账号。")
        raise ValidationError({"inspector": message % {"name": username}})
    return found


def get_inspection_for_user_or_404(user: User, pk: int) -> Inspection:
    """One inspection with its ratings and photos (not the lists' count of rated items: grouping the
    row by every column of four tables cost the page more than its other queries)."""
    user.scope.require("supervision.view")
    inspections = Inspection.objects.select_related("station", "station__region", "inspector")
    return user.scope.get_or_404(inspections.prefetch_related("ratings", "photos"), pk=pk)


def inspection_to_change_for_user_or_404(user: User, pk: int) -> Inspection:
    """An inspection about to be saved: its station (for the period check), not its ratings and photos
    (the save reads the ratings under lock; the answer reads them after)."""
    user.scope.require("supervision.view")
    return user.scope.get_or_404(Inspection.objects.select_related("station"), pk=pk)


def inspection_as_saved(pk: int) -> Inspection:
    """What the API answers after a save it has just checked: the inspection as stored (times in UTC,
    coordinates to the column's places) with its station and ratings, not its photos."""
    return Inspection.objects.select_related("station").prefetch_related("ratings").get(pk=pk)


def photos_for_user(user: User) -> QuerySet[InspectionPhoto]:
    user.scope.require("supervision.view")
    return user.scope.filter(InspectionPhoto.objects.select_related("inspection"))


def complaints_for_user(user: User) -> QuerySet[Complaint]:
    user.scope.require("supervision.view")
    return user.scope.filter(
        Complaint.objects.select_related("station", "station__region", "recorded_by", "verified_by")
    )


def events_for_user(user: User) -> QuerySet[SupervisionEvent]:
    user.scope.require("supervision.view")
    return user.scope.filter(
        SupervisionEvent.objects.select_related("station", "station__region", "recorded_by", "verified_by")
    )


def is_complete(inspection: Inspection) -> bool:
    """Whether every item of the form is rated (a draft inspection may lack some)."""
    return {r.key for r in inspection.ratings.all()} >= set(KEYS)


def rating_rows(inspection: Inspection) -> list[dict]:
    """The sub-items in scheme order with the inspection's score and comment (None when unrated)."""
    given = {r.key: r for r in inspection.ratings.all()}
    return [{"item": item, "rating": given.get(item.key)} for item in RATING_ITEMS]


# -- facts for the assessment ----------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionFacts:
    """Verified complaints and daily-supervision events of one station in a date range."""

    parcel_complaints: int = 0  # verified 快递服务投诉 (item 9: −1 each)
    public_reports: int = 0  # verified 群众举报
    # verified events by EventKind value; "public_report" equals ``public_reports`` (one source:
    # public reports are complaints), so a scheme adds events only, never both
    events: dict[str, int] = field(default_factory=dict)


def supervision_facts(station_ids: Iterable[int], start: date, end: date) -> dict[int, SupervisionFacts]:
    """Per station (every id given), verified records dated start..end inclusive (Asia/Shanghai). One query.
    ``station_ids`` may be a QuerySet (of station ids), used as a subquery; then only the stations with a
    record are listed (the others' facts are zeros: ``SupervisionFacts(events=dict.fromkeys(EventKind.values, 0))``)."""
    ids, given = station_ids_filter(station_ids)
    verified = Q(status=VerificationStatus.VERIFIED)
    complaints = Complaint.objects.filter(
        verified,
        received_at__gte=day_start(start),
        received_at__lt=day_start(end + timedelta(days=1)),
    )
    events = SupervisionEvent.objects.filter(verified, occurred_on__gte=start, occurred_on__lte=end)
    kinds = [k for k in EventKind.values if k != EventKind.PUBLIC_REPORT]
    names = ("parcel", "report", *(f"e_{k}" for k in kinds))
    parts = [
        grouped(
            complaints,
            ids,
            names,
            parcel=Count("pk", filter=Q(kind=ComplaintKind.PARCEL)),
            report=Count("pk", filter=Q(kind=ComplaintKind.PUBLIC_REPORT)),
        ),
        grouped(events, ids, names, **{f"e_{k}": Count("pk", filter=Q(kind=k)) for k in kinds}),
    ]
    facts = {}
    for pk, (parcel, report, *counted) in grouped_counts(parts, given, names).items():
        counts = dict(zip(kinds, counted, strict=True))
        counts[EventKind.PUBLIC_REPORT.value] = report
        facts[pk] = SupervisionFacts(parcel_complaints=parcel, public_reports=report, events=counts)
    return facts


@dataclass(frozen=True)
class InspectionRatings:
    """The latest complete inspection of a station in a period."""

    inspection_id: int
    inspected_at: object  # aware datetime
    inspector_id: int
    scores: dict[str, Decimal]  # sub-item key -> score
    comments: dict[str, str]  # sub-item key -> deduction comment ("" when full marks)


def inspection_facts(station_ids: Iterable[int], year: int, half: str) -> dict[int, InspectionRatings]:
    """Per station that has one: the latest complete inspection of the period (year, "H1"/"H2").
    Stations without a complete inspection are absent from the result (their result is incomplete).
    ``station_ids`` may be a QuerySet (of station ids), used as a subquery.

    Two queries, whatever the number of stations: the latest complete inspection per station (complete:
    every rating item rated), then only those inspections' ratings (the first query as a subquery)."""
    ids, _given = station_ids_filter(station_ids)
    complete = (
        Inspection.objects.filter(station_id__in=ids, year=year, half=half)
        .order_by()
        .values("pk")
        .annotate(rated=Count("ratings", filter=Q(ratings__key__in=KEYS)))
        .filter(rated=len(KEYS))
        .values("pk")
    )
    newest_first = [F("inspected_at").desc(), F("pk").desc()]
    latest = (
        Inspection.objects.filter(pk__in=complete)
        .order_by()
        .annotate(newest=Window(RowNumber(), partition_by=[F("station_id")], order_by=newest_first))
        .filter(newest=1)
    )
    inspections = {
        pk: (station_id, at, inspector_id)
        for pk, station_id, at, inspector_id in latest.values_list("pk", "station_id", "inspected_at", "inspector_id")
    }
    scores: dict[int, dict[str, Decimal]] = {pk: {} for pk in inspections}
    comments: dict[int, dict[str, str]] = {pk: {} for pk in inspections}
    ratings = InspectionRating.objects.filter(inspection_id__in=latest.values("pk"), key__in=KEYS).order_by()
    for inspection_id, key, score, comment in ratings.values_list("inspection_id", "key", "score", "comment"):
        if inspection_id in scores:  # always, unless an inspection was completed between the two queries
            scores[inspection_id][key] = score
            comments[inspection_id][key] = comment
    result: dict[int, InspectionRatings] = {}
    for pk, (station_id, at, inspector_id) in inspections.items():
        given, said = scores[pk], comments[pk]
        if len(given) < len(KEYS):  # a rating removed between the two queries
            continue
        result[station_id] = InspectionRatings(
            inspection_id=pk,
            inspected_at=at,
            inspector_id=inspector_id,
            scores={k: given[k] for k in KEYS},
            comments={k: said[k] for k in KEYS},
        )
    return result


# -- a station's evidence page ------------------------------------------------------------------


def station_evidence(user: User, station: Station, *, year: int) -> dict:
    """Everything recorded about one station in a year: the assessment's evidence, in one place."""
    from cunzhan.activities import selectors as activities

    start, end = date(year, 1, 1), date(year, 12, 31)
    return {
        "attendance": activities.attendance_for_user(user)
        .filter(station=station, training__start_date__year=year)
        .order_by("-training__start_date"),
        "activities": activities.activities_for_user(user)
        .filter(required_stations=station, start_date__year=year)
        .prefetch_related(
            Prefetch("participation", queryset=station.activity_participation.all(), to_attr="station_participation"),
            Prefetch("reports", queryset=station.activity_reports.all(), to_attr="station_reports"),
        ),
        "guidance": activities.guidance_for_user(user).filter(station=station, visited_on__year=year),
        "inspections": inspections_for_user(user).filter(station=station, year=year),
        "complaints": complaints_for_user(user).filter(station=station, received_at__year=year),
        "events": events_for_user(user).filter(station=station, occurred_on__year=year),
        "training_facts": activities.training_facts([station.pk], start, end)[station.pk],
        "marketing_facts": activities.marketing_facts([station.pk], start, end)[station.pk],
        "supervision_facts": supervision_facts([station.pk], start, end)[station.pk],
        "timezone": SHANGHAI,
    }
