"""The records behind the assessment's items 4 and 5, station by station: every attendance that costs
points (with its status), every required training at which nobody of the station was recorded, every
required marketing activity a station missed and every data report it owed and did not file in time.

The assessment counts these lists for its scores and links each explanation line to the records in them,
so a count and its records cannot disagree. Set-based like :mod:`cunzhan.activities.selectors`' facts:
a fixed number of queries whatever the number of stations, and only the lapses are read back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cunzhan.activities.models import (
    ActivityReport,
    Attendance,
    AttendanceStatus,
    ExamResult,
    MarketingActivity,
    Participation,
    Training,
)
from cunzhan.activities.selectors import station_ids_filter
from cunzhan.core.periods import local_date

# attendance statuses that cost item 4 points (a present person costs nothing)
DEDUCTED = (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT, AttendanceStatus.LATE, AttendanceStatus.EARLY_LEAVE)
UNRECORDED = "unrecorded"  # a required training with nobody of the station recorded: counted as an absence
FAILED = "failed"  # an on-site test failed


@dataclass(frozen=True, slots=True)
class TrainingLapse:
    training_id: int
    day: date
    topic: str
    status: str  # a DEDUCTED status, UNRECORDED or FAILED


@dataclass(frozen=True, slots=True)
class MarketingLapse:
    activity_id: int
    day: date
    title: str
    missed_activity: bool  # True: a required activity not taken part in; False: its data report not filed in time
    due_at: datetime | None = None  # the data report's due time
    submitted_at: datetime | None = None  # when the data report was filed after it (None: never)


def training_lapses(station_ids: Iterable[int], start: date, end: date) -> dict[int, list[TrainingLapse]]:
    """Per station with any: its lapses at trainings dated start..end inclusive (two queries). One person's
    row that is late and failed its test gives two lapses; two people absent from one training, two."""
    ids, _given = station_ids_filter(station_ids)
    in_range = Q(training__start_date__gte=start, training__start_date__lte=end)
    lapses: dict[int, list[TrainingLapse]] = defaultdict(list)
    rows = (
        Attendance.objects.filter(in_range, station_id__in=ids)
        .filter(Q(status__in=DEDUCTED) | Q(test_result=ExamResult.FAIL))
        .order_by("training__start_date", "training_id", "pk")
        .values_list("station_id", "training_id", "training__start_date", "training__topic", "status", "test_result")
    )
    for station_id, training_id, day, topic, status, test in rows:
        if status in DEDUCTED:
            lapses[station_id].append(TrainingLapse(training_id, day, topic, status))
        if test == ExamResult.FAIL:
            lapses[station_id].append(TrainingLapse(training_id, day, topic, FAILED))
    recorded = Attendance.objects.filter(training=OuterRef("training_id"), station=OuterRef("station_id"))
    unrecorded = (
        Training.required_stations.through.objects.filter(in_range, station_id__in=ids)
        .filter(~Exists(recorded))
        .order_by("training__start_date", "training_id")
        .values_list("station_id", "training_id", "training__start_date", "training__topic")
    )
    for station_id, training_id, day, topic in unrecorded:
        lapses[station_id].append(TrainingLapse(training_id, day, topic, UNRECORDED))
    return lapses


def marketing_lapses(
    station_ids: Iterable[int], start: date, end: date, *, now: datetime | None = None
) -> dict[int, list[MarketingLapse]]:
    """Per station with any: the required activities starting start..end it missed (ended by ``now``, its
    participation not recorded as taken part) and, for those it took part in, the data reports due by
    ``now`` and not filed by their due time (filed late counts as not filed). An activity the station
    missed owes no data report (DOMAIN.md, "Decided edge cases"). Two queries."""
    now = now or timezone.now()
    ids, _given = station_ids_filter(station_ids)
    required = MarketingActivity.required_stations.through.objects.filter(
        station_id__in=ids, marketingactivity__start_date__gte=start, marketingactivity__start_date__lte=end
    ).order_by("marketingactivity__start_date", "marketingactivity_id")
    took_part = Participation.objects.filter(
        activity=OuterRef("marketingactivity_id"), station=OuterRef("station_id"), participated=True
    )
    columns = ("station_id", "marketingactivity_id", "marketingactivity__start_date", "marketingactivity__title")
    lapses: dict[int, list[MarketingLapse]] = defaultdict(list)
    missed = required.filter(marketingactivity__end_date__lt=local_date(now)).filter(~Exists(took_part))
    for station_id, activity_id, day, title in missed.values_list(*columns):
        lapses[station_id].append(MarketingLapse(activity_id, day, title, missed_activity=True))
    filed = ActivityReport.objects.filter(activity=OuterRef("marketingactivity_id"), station=OuterRef("station_id"))
    on_time = filed.filter(submitted_at__lte=OuterRef("marketingactivity__report_due_at"))
    unfiled = (
        required.filter(marketingactivity__report_due_at__lte=now)
        .filter(Exists(took_part))
        .filter(~Exists(on_time))
        .values_list(*columns, "marketingactivity__report_due_at")
        .annotate(submitted=Subquery(filed.values("submitted_at")[:1]))
    )
    for station_id, activity_id, day, title, due_at, submitted_at in unfiled:
        lapses[station_id].append(
            MarketingLapse(activity_id, day, title, missed_activity=False, due_at=due_at, submitted_at=submitted_at)
        )
    return lapses
