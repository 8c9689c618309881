"""The records behind the facts: each app's lapses (late and missed reports, trainings, marketing duties,
verified complaints and events, faults, the inspection and its photos) turned into the engine's counts and
its references (:class:`~cunzhan.assessment.engine.Ref`), so that every explanation line carries the records
that produced it, and a count is always the number of its records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from cunzhan.assessment.engine import Fault, Period, Ref
from cunzhan.core.dates import SHANGHAI

if TYPE_CHECKING:
    from cunzhan.reports.facts import ReportLapse

# an attendance status (cunzhan.activities.evidence) -> the fact it counts towards
TRAINING_FACTS = {
    "leave": "leave",
    "absent": "absent",
    "unrecorded": "absent",  # nobody of the station recorded at a required training
    "late": "late",
    "early_leave": "early_leave",
    "failed": "failed_tests",
}


def moment(value: datetime | None) -> str:
    """An instant as the references keep it: ISO 8601 in Asia/Shanghai, to the second."""
    return "" if value is None else value.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


@dataclass
class Evidence:
    """One station's counted facts and their references, filled kind by kind."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refs: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))

    def add(self, fact: str, ref: Ref) -> None:
        self.counts[fact] += 1
        self.refs[fact].append(ref)


def gather(
    ids: QuerySet | list[int],
    codes: list[str],
    period: Period,
    now: datetime,
) -> tuple[dict[int, Evidence], dict[int, list[Fault]]]:
    """Every station's evidence for the period (by station id: only the stations with any), and its faults
    that overlap the period. A fixed number of queries, whatever the number of stations."""
    from cunzhan.activities.evidence import marketing_lapses, training_lapses
    from cunzhan.supervision.evidence import supervision_records

    evidence: dict[int, Evidence] = defaultdict(Evidence)
    start, end = period.start, period.end
    for station_id, trainings in training_lapses(ids, start, end).items():
        for t in trainings:
            ref = Ref("training", str(t.training_id), day=t.day.isoformat(), status=t.status, title=t.topic)
            evidence[station_id].add(TRAINING_FACTS[t.status], ref)
    for station_id, duties in marketing_lapses(ids, start, end, now=now).items():
        for m in duties:
            if m.missed_activity:
                ref = Ref("activity", str(m.activity_id), day=m.day.isoformat(), status="missed", title=m.title)
                evidence[station_id].add("missed_activities", ref)
            else:
                ref = Ref(
                    "activity_report",
                    str(m.activity_id),
                    day=m.day.isoformat(),
                    due=moment(m.due_at),
                    at=moment(m.submitted_at),
                    status="missed",
                    title=m.title,
                )
                evidence[station_id].add("missed_activity_reports", ref)
    made: dict[ReportLapse, Ref] = {}  # many stations share a lapse (a period none of them filed): one reference
    for station_id, lapses in report_lapses(codes, start, end, now).items():
        found = evidence[station_id]
        for r in lapses:
            shared = made.get(r)
            if shared is None:
                shared = made[r] = _report_ref(r)
            found.add(f"{r.status}_reports", shared)
    for station_id, records in supervision_records(ids, start, end).items():
        for s in records:
            if s.kind == "complaint" and s.category == "parcel":
                ref = Ref("complaint", str(s.id), day=s.day.isoformat(), status=s.category)
                evidence[station_id].add("parcel_complaints", ref)
    return evidence, faults(ids, period)


def _report_ref(r: ReportLapse) -> Ref:
    key = f"adhoc/{r.report_id}" if r.kind == "adhoc" else f"{r.kind}/{r.slug}"
    return Ref(
        "report",
        key,
        day="" if r.kind == "adhoc" else r.period_start.isoformat(),
        due=moment(r.due_at),
        at=moment(r.submitted_at),
        status=r.status,
        title=r.title,
    )


def report_lapses(codes: list[str], start: date, end: date, now: datetime) -> dict[int, list[ReportLapse]]:
    """The stations' late and missed reports (:func:`cunzhan.reports.facts.report_lapses_many`)."""
    from cunzhan.reports.facts import report_lapses_many

    return report_lapses_many(codes, start, end, now)


def supervision_evidence(station_ids: Iterable[int], year: int) -> dict[int, Evidence]:
    """Each station's verified daily-supervision events and public reports of the year, by kind (the
    annual composite's deductions)."""
    from cunzhan.supervision.evidence import supervision_records

    evidence: dict[int, Evidence] = defaultdict(Evidence)
    for station_id, records in supervision_records(station_ids, date(year, 1, 1), date(year, 12, 31)).items():
        for s in records:
            if s.kind == "event" or s.category == "public_report":
                evidence[station_id].add(s.category, Ref(s.kind, str(s.id), day=s.day.isoformat(), status=s.category))
    return evidence


def faults(ids: QuerySet | list[int], period: Period) -> dict[int, list[Fault]]:
    """The faults reported before the period's end and not repaired before its start: every fault whose
    overdue span could lie in the period, whatever the scheme's number of days."""
    from django.db.models import Q

    from cunzhan.stations.models import FaultReport

    found: dict[int, list[Fault]] = defaultdict(list)
    rows = FaultReport.objects.filter(station_id__in=ids, reported_at__lt=period.end_at).filter(
        Q(repaired_at__isnull=True) | Q(repaired_at__gt=period.start_at)
    )
    for pk, station_id, reported, repaired, stops in rows.order_by("reported_at", "pk").values_list(
        "pk", "station_id", "reported_at", "repaired_at", "stops_operation"
    ):
        ref = Ref("fault", str(pk), day=moment(reported), at=moment(repaired))
        found[station_id].append(Fault(reported=reported, repaired=repaired, stopped_operation=stops, ref=ref))
    return found


def inspection_refs(inspection_id: int, inspected_at: datetime, photos: list[tuple[int, str]]) -> list[Ref]:
    """The inspection a rating comes from, and its photos."""
    refs = [Ref("inspection", str(inspection_id), day=moment(inspected_at)[:10])]
    refs.extend(Ref("photo", str(pk), status=kind) for pk, kind in photos)
    return refs


def ledger_ref(kind: str, period: Period) -> Ref:
    """The ledger an order count comes from, over the period."""
    return Ref("ledger", kind, day=period.start.isoformat(), end=period.end.isoformat())
