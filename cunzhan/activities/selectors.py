"""Every read of trainings, activities and guidance that a page, API endpoint, export or command
uses, scoped to the user; and the facts the assessment reads (set-based: one query each)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connections
from django.db.models import Count, Exists, Expression, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.activities.models import (
    ATTENDED,
    ActivityReport,
    Attendance,
    AttendanceStatus,
    ExamResult,
    GuidanceKind,
    GuidanceVisit,
    MarketingActivity,
    Participation,
    Training,
)
from cunzhan.core.periods import local_date
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import home_county
from cunzhan.stations.models import Station, Status

# stations that hold a certification and owe the duties tracked here
ACTIVE_STATUSES = (Status.CERTIFIED, Status.INCUBATION, Status.OPERATING, Status.RECTIFYING)


def count_subquery(queryset: QuerySet, outer: str = "station") -> Coalesce:
    """COUNT(*) of ``queryset`` rows whose ``outer`` is the outer row, as a correlated subquery,
    so that several counts over different tables stay one query without join blow-up."""
    counted = queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# -- lists and objects --------------------------------------------------------------------


def county_of_user(user: User) -> Region | None:
    """The county whose trainings and activities the user organises (None for other roles)."""
    from cunzhan.core.roles import Role

    return home_county(user) if user.scope.role in (Role.OPERATOR, Role.COUNTY_OFFICE) else None


def trainings_for_user(user: User) -> QuerySet[Training]:
    user.scope.require("activity.view")
    return user.scope.filter(
        Training.objects.select_related("county", "operating_unit", "created_by").annotate(
            required_count=Count("required_stations", distinct=True)
        )
    ).order_by("-start_date", "-pk")


def get_training_for_user_or_404(user: User, pk: int) -> Training:
    return user.scope.get_or_404(trainings_for_user(user), pk=pk)


def attendance_for_user(user: User) -> QuerySet[Attendance]:
    user.scope.require("activity.view")
    return user.scope.filter(Attendance.objects.select_related("training", "station", "user", "recorded_by"))


def attendance_grid(user: User, training: Training) -> list[dict]:
    """The training's attendance by station: every required station (even with nobody recorded)
    and every other station in scope that has a row."""
    rows = list(attendance_for_user(user).filter(training=training).order_by("station__code", "person_name"))
    required = list(user.scope.filter(training.required_stations.all()).order_by("code"))
    by_station: dict[int, dict] = {s.pk: {"station": s, "required": True, "rows": []} for s in required}
    for row in rows:
        entry = by_station.setdefault(row.station_id, {"station": row.station, "required": False, "rows": []})
        entry["rows"].append(row)
    return sorted(by_station.values(), key=lambda e: e["station"].code)


def attendance_counts(training: Training, rows: Iterable[Attendance]) -> dict[str, int]:
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    failed = 0
    for row in rows:
        counts[row.status] += 1
        failed += row.test_result == ExamResult.FAIL
    counts["failed"] = failed
    counts["trainees"] = sum(counts[s] for s in ATTENDED)  # 人次
    return counts


def activities_for_user(user: User) -> QuerySet[MarketingActivity]:
    user.scope.require("activity.view")
    return user.scope.filter(
        MarketingActivity.objects.select_related("county", "operating_unit", "created_by").annotate(
            required_count=Count("required_stations", distinct=True)
        )
    ).order_by("-start_date", "-pk")


def get_activity_for_user_or_404(user: User, pk: int) -> MarketingActivity:
    return user.scope.get_or_404(activities_for_user(user), pk=pk)


def activity_grid(user: User, activity: MarketingActivity, *, now: datetime | None = None) -> list[dict]:
    """Per required station in scope: participation and the data report with its standing."""
    now = now or timezone.now()
    stations = list(user.scope.filter(activity.required_stations.all()).order_by("code"))
    ids = [s.pk for s in stations]
    taken = {p.station_id: p for p in Participation.objects.filter(activity=activity, station_id__in=ids)}
    reports = {r.station_id: r for r in ActivityReport.objects.filter(activity=activity, station_id__in=ids)}
    grid = []
    for station in stations:
        report = reports.get(station.pk)
        taken_part = taken.get(station.pk)
        if report is not None:
            report_state = "on_time" if report.submitted_at <= activity.report_due_at else "late"
        elif now < activity.report_due_at:
            report_state = "pending"
        else:  # a station that did not take part owes no data report (DOMAIN.md, "Decided edge cases")
            report_state = "missed" if taken_part is not None and taken_part.participated else "not_owed"
        grid.append(
            {
                "station": station,
                "participation": taken_part,
                "report": report,
                "report_state": report_state,
            }
        )
    return grid


def guidance_for_user(user: User) -> QuerySet[GuidanceVisit]:
    user.scope.require("activity.view")
    return user.scope.filter(GuidanceVisit.objects.select_related("station", "operating_unit", "visitor"))


# -- facts for the assessment ----------------------------------------------------------------


@dataclass(frozen=True)
class TrainingFacts:
    """Attendance of one station's people at trainings in a date range (person-times)."""

    required: int = 0  # trainings the station was required to attend
    attended: int = 0  # 人次 present, late or leaving early
    leave: int = 0
    absent: int = 0  # recorded 旷课 plus required trainings with nobody recorded
    unrecorded: int = 0  # of ``absent``: required trainings with no attendance row for the station
    late: int = 0
    early_leave: int = 0
    failed_tests: int = 0


def station_ids_filter(station_ids: Iterable[int]) -> tuple[QuerySet | list[int], list[int] | None]:
    """Station ids for a ``station_id__in`` lookup: a QuerySet (of ids or stations) stays a subquery and is
    never evaluated in Python (None is returned for the list); any other iterable is read into a list,
    which is also returned."""
    if isinstance(station_ids, QuerySet):
        return station_ids, None
    ids = list(station_ids)
    return ids, ids


def grouped_counts(parts: list[QuerySet], given: list[int] | None, names: tuple[str, ...]) -> dict[int, list[int]]:
    """Per station, the column sums of ``parts``: querysets each grouped by ``station_id`` and annotated with
    the integer columns ``names`` (see :func:`grouped`). One query (UNION ALL), however many parts and
    stations. ``given`` comes from :func:`station_ids_filter`: every station of a list given is in the result
    (all zeros when it has no row); for a subquery only the stations with a row are (the others are all
    zeros: a province's stations are not read back just to list zeros)."""
    aliases = [_alias(name) for name in names]
    selects = [part.values_list("station_id", *aliases) for part in parts]
    sums: dict[int, list[int]] = {pk: [0] * len(names) for pk in given or ()}
    query = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
    # plain integers come back: run the SQL without the ORM's per-value converters (a province is 20,000 rows)
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for station_id, *counts in rows:
        row = sums.get(station_id)
        if row is None:
            row = sums[station_id] = [0] * len(names)
        for i, n in enumerate(counts):
            row[i] += n
    return sums


def grouped(queryset: QuerySet, ids: QuerySet | list[int], names: tuple[str, ...], **counts: Expression) -> QuerySet:
    """``queryset`` restricted to the stations, grouped by station, with ``counts`` and zeros for the other names."""
    zero = Value(0, output_field=IntegerField())
    return (
        queryset.filter(station_id__in=ids)
        .order_by()
        .values("station_id")
        .annotate(**{_alias(name): counts.get(name, zero) for name in names})
    )


def _alias(name: str) -> str:
    return f"fact_{name}"  # clear of the models' field and relation names


TRAINING_COLUMNS = ("required", "unrecorded", "attended", "leave", "absent", "late", "early_leave", "failed")


def training_facts(station_ids: Iterable[int], start: date, end: date) -> dict[int, TrainingFacts]:
    """Per station (every id given), counts for trainings dated start..end inclusive. One query.

    ``station_ids`` may be a QuerySet (of station ids), used as a subquery; then only the stations with a
    record are listed (the others' facts are ``TrainingFacts()``). A required training at which nobody of
    the station was recorded counts as an absence: the organiser records who came, so silence means nobody
    did.
    """
    ids, given = station_ids_filter(station_ids)
    names = TRAINING_COLUMNS
    in_range = Q(training__start_date__gte=start, training__start_date__lte=end)
    through = Training.required_stations.through.objects.filter(in_range)
    recorded = Attendance.objects.filter(training=OuterRef("training_id"), station=OuterRef("station_id"))
    n = Count("*")
    parts = [
        grouped(through, ids, names, required=n),
        grouped(through.filter(~Exists(recorded)), ids, names, unrecorded=n),
        grouped(
            Attendance.objects.filter(in_range),
            ids,
            names,
            attended=Count("pk", filter=Q(status__in=ATTENDED)),
            leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
            absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
            late=Count("pk", filter=Q(status=AttendanceStatus.LATE)),
            early_leave=Count("pk", filter=Q(status=AttendanceStatus.EARLY_LEAVE)),
            failed=Count("pk", filter=Q(test_result=ExamResult.FAIL)),
        ),
    ]
    return {
        pk: TrainingFacts(
            required=req,
            attended=att,
            leave=leave,
            absent=absent + unrec,
            unrecorded=unrec,
            late=late,
            early_leave=early,
            failed_tests=failed,
        )
        for pk, (req, unrec, att, leave, absent, late, early, failed) in grouped_counts(parts, given, names).items()
    }


@dataclass(frozen=True)
class MarketingFacts:
    """A station's marketing duties for activities starting in a date range."""

    required: int = 0  # activities the station was required to take part in
    missed_activities: int = 0  # required, ended by ``now``, not recorded as taken part
    # required activities the station took part in whose report due time has passed: a missed activity
    # owes no data report (DOMAIN.md, "Decided edge cases")
    reports_due: int = 0
    missed_reports: int = 0  # of those, no report submitted by the due time (late = missed)


MARKETING_COLUMNS = ("required", "missed", "due", "missed_reports")


def marketing_facts(
    station_ids: Iterable[int], start: date, end: date, *, now: datetime | None = None
) -> dict[int, MarketingFacts]:
    """Per station (every id given), one query; ``station_ids`` may be a QuerySet (of station ids), used as a
    subquery, and then only the stations with a required activity are listed (the others' facts are
    ``MarketingFacts()``). Activities still running, or reports not yet due at ``now`` (default: the
    current time), are not counted as missed."""
    now = now or timezone.now()
    today = local_date(now)
    ids, given = station_ids_filter(station_ids)
    names = MARKETING_COLUMNS
    required = MarketingActivity.required_stations.through.objects.filter(
        marketingactivity__start_date__gte=start, marketingactivity__start_date__lte=end
    )
    took_part = Participation.objects.filter(
        activity=OuterRef("marketingactivity_id"), station=OuterRef("station_id"), participated=True
    )
    on_time = ActivityReport.objects.filter(
        activity=OuterRef("marketingactivity_id"),
        station=OuterRef("station_id"),
        submitted_at__lte=OuterRef("marketingactivity__report_due_at"),
    )
    due = required.filter(marketingactivity__report_due_at__lte=now).filter(Exists(took_part))
    n = Count("*")
    parts = [
        grouped(required, ids, names, required=n),
        grouped(
            required.filter(marketingactivity__end_date__lt=today).filter(~Exists(took_part)), ids, names, missed=n
        ),
        grouped(due, ids, names, due=n),
        grouped(due.filter(~Exists(on_time)), ids, names, missed_reports=n),
    ]
    return {
        pk: MarketingFacts(required=req, missed_activities=missed, reports_due=due_n, missed_reports=missed_r)
        for pk, (req, missed, due_n, missed_r) in grouped_counts(parts, given, names).items()
    }


# -- people: computed training days (Jiangxi 第九条3) -------------------------------------------


@dataclass(frozen=True)
class PersonTraining:
    station_id: int
    person_name: str
    phone: str
    user_id: int | None
    pre_job_days: Decimal  # cumulative, all pre-job trainings attended up to the year's end
    trainings_in_year: int  # trainings attended in the year
    meets_days: bool = False
    meets_yearly: bool = False


def training_people(
    station_ids: Iterable[int], year: int, *, min_days: Decimal = Decimal(3), min_yearly: int = 2
) -> list[PersonTraining]:
    """Everyone recorded at a training for the stations, with computed days and counts. One query."""
    attended = Q(status__in=ATTENDED)
    rows = (
        Attendance.objects.filter(station_id__in=list(station_ids), training__start_date__year__lte=year)
        .order_by()
        .values("station_id", "person_name", "phone")
        .annotate(
            linked_user=Max("user_id"),
            days=Sum("training__days", filter=attended & Q(training__is_pre_job=True)),
            year_count=Count("pk", filter=attended & Q(training__start_date__year=year)),
        )
        .order_by("station_id", "person_name")
    )
    people = []
    for r in rows:
        days = r["days"] or Decimal(0)
        people.append(
            PersonTraining(
                station_id=r["station_id"],
                person_name=r["person_name"],
                phone=r["phone"],
                user_id=r["linked_user"],
                pre_job_days=days,
                trainings_in_year=r["year_count"],
                meets_days=days >= min_days,
                meets_yearly=r["year_count"] >= min_yearly,
            )
        )
    return people


# -- operating-unit guidance (Jiangxi 第十一条2) --------------------------------------------------


@dataclass
class GuidanceRow:
    station: Station
    visits: list[int]  # per quarter 1..4
    trainings: int  # guidance trainings plus the unit's own trainings the station was required at
    quarter_states: list[str] = field(default_factory=list)  # done / overdue / due / future
    training_state: str = ""  # done / overdue / due

    @property
    def quarter_pairs(self) -> list[tuple[int, str]]:
        return list(zip(self.visits, self.quarter_states, strict=True))

    @property
    def overdue(self) -> bool:
        return "overdue" in self.quarter_states or self.training_state == "overdue"


def in_quarter(quarter: int) -> Q:
    """A guidance visit (走访) in the given quarter of the year already filtered on: Jiangxi 第十一条2
    asks one a quarter per station."""
    return Q(kind=GuidanceKind.VISIT, visited_on__month__in=range(3 * quarter - 2, 3 * quarter + 1))


def stations_without_visit(year: int, quarter: int) -> QuerySet[Station]:
    """Every county's stations owing a guidance visit (those :func:`guidance_overview` lists) with none
    in the quarter yet: unscoped, one query (the reminders of cunzhan.notices)."""
    visits = GuidanceVisit.objects.filter(in_quarter(quarter), visited_on__year=year, station=OuterRef("pk"))
    return Station.objects.filter(status__in=ACTIVE_STATUSES, operating_unit__isnull=False).exclude(Exists(visits))


def guidance_overview(user: User, year: int, *, today: date | None = None) -> list[GuidanceRow]:
    """Each certified station in scope with a unit: guidance visits per quarter and trainings in
    the year, each marked done, due (period still open), overdue (period ended without one) or future.
    One query."""
    user.scope.require("activity.view")
    today = today or timezone.localdate()
    visits = GuidanceVisit.objects.filter(visited_on__year=year)
    unit_trainings = Training.required_stations.through.objects.filter(
        training__start_date__year=year,
        training__operating_unit__isnull=False,
        training__operating_unit=OuterRef("operating_unit"),
    )
    stations = (
        user.scope.filter(Station.objects.filter(status__in=ACTIVE_STATUSES, operating_unit__isnull=False))
        .select_related("operating_unit", "region")
        .annotate(
            q1=count_subquery(visits.filter(in_quarter(1))),
            q2=count_subquery(visits.filter(in_quarter(2))),
            q3=count_subquery(visits.filter(in_quarter(3))),
            q4=count_subquery(visits.filter(in_quarter(4))),
            g_trainings=count_subquery(visits.filter(kind=GuidanceKind.TRAINING)),
            u_trainings=count_subquery(unit_trainings),
        )
        .order_by("code")
    )
    result = []
    for s in stations:
        counts = [s.q1, s.q2, s.q3, s.q4]
        states = []
        for quarter, n in enumerate(counts, start=1):
            first = date(year, 3 * quarter - 2, 1)
            following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            if n:
                states.append("done")
            elif today >= following:
                states.append("overdue")
            elif today >= first:
                states.append("due")
            else:
                states.append("future")
        trainings = s.g_trainings + s.u_trainings
        if trainings:
            training_state = "done"
        elif today > date(year, 12, 31):
            training_state = "overdue"
        elif today >= date(year, 1, 1):
            training_state = "due"
        else:
            training_state = "future"
        result.append(GuidanceRow(s, counts, trainings, states, training_state))
    return result
