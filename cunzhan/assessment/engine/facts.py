"""What the engine needs to know about one station in one period. Gathered set-based from the
database by cunzhan.assessment.facts; built by hand in tests."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from cunzhan.core.dates import SHANGHAI


@dataclass(frozen=True)
class Period:
    year: int
    half: str  # "H1" | "H2"
    start: date
    end: date  # inclusive

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def start_at(self) -> datetime:
        """The period's first instant (midnight in Asia/Shanghai)."""
        return datetime.combine(self.start, time.min, tzinfo=SHANGHAI)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=SHANGHAI)

    @classmethod
    def of(cls, year: int, half: str, months: tuple[int, int], *, full_year: bool = False) -> Period:
        first, last = (1, 12) if full_year else months
        end_day = calendar.monthrange(year, last)[1]
        return cls(year=year, half=half, start=date(year, first, 1), end=date(year, last, end_day))


@dataclass(frozen=True, slots=True)
class Ref:
    """A record behind an explanation line: its kind and key, and what a reader needs to recognise it
    without opening it. Never personal data: the public reads these too.

    kind: report, training, activity, activity_report, complaint, event, fault, inspection, photo, ledger.
    id: the record's key for its page (a primary key; a monthly report without a row is "monthly/2025-03").
    """

    kind: str
    id: str
    day: str = ""  # the record's date or time (ISO 8601); a ledger span's first day
    end: str = ""  # a ledger span's last day
    due: str = ""  # when it was due (a report, an activity's data report; an overdue fault)
    at: str = ""  # when it was done: filed, repaired ("" for never)
    status: str = ""  # e.g. an attendance status, a report's "late" / "missed", a complaint's kind
    title: str = ""  # a training's topic, an activity's title

    def as_dict(self) -> dict[str, Any]:
        """The reference as JSON: its kind and id, and the other fields it has."""
        return {name: value for name in self.__slots__ if (value := getattr(self, name)) or name in ("kind", "id")}


@dataclass(frozen=True)
class Fault:
    """An equipment fault report (报修), with its report and repair times (aware)."""

    reported: datetime
    repaired: datetime | None
    stopped_operation: bool = True
    ref: Ref | None = None

    def overdue(self, days: int) -> tuple[datetime, datetime | None] | None:
        """The span in which the fault was overdue: from ``days`` after its report, when it was still
        unrepaired then, until its repair (None: not repaired). None when repaired in time."""
        due = self.reported + timedelta(days=days)
        if self.repaired is not None and self.repaired <= due:
            return None
        return due, self.repaired

    def overdue_within(self, days: int, period: Period) -> bool:
        """Whether any moment of the overdue span lies inside the period."""
        span = self.overdue(days)
        if span is None:
            return False
        start, end = span
        return start < period.end_at and (end is None or end > period.start_at)


@dataclass(frozen=True)
class StationFacts:
    station: str
    population: int
    certified: date | None
    ratings: dict[str, Decimal | None] = field(default_factory=dict)  # sub-item key -> rating; None = missing
    faults: tuple[Fault, ...] = ()
    leave: int = 0
    absent: int = 0
    late: int = 0
    early_leave: int = 0
    failed_tests: int = 0
    missed_activities: int = 0  # required activities the station did not take part in
    # data reports not filed by their due time, owed only for required activities the station took part in
    missed_activity_reports: int = 0
    late_reports: int = 0
    missed_reports: int = 0
    purchase_orders: int = 0
    sale_orders: int = 0
    parcel_complaints: int = 0
    # fact name -> the records behind it; the explanation lines keep them, the stored facts do not
    refs: dict[str, list[Ref]] = field(default_factory=dict, metadata={"stored": False})


@dataclass(frozen=True)
class SupervisionFacts:
    """Verified daily-supervision events of one station in the year, by kind."""

    station: str
    counts: dict[str, int] = field(default_factory=dict)
    refs: dict[str, list[Ref]] = field(default_factory=dict, metadata={"stored": False})


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Dec + 6 months = 30 Jun)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_incubation(certified: date | None, period: Period, months: int) -> bool:
    """Certified less than ``months`` before the period end: not assessed for this period."""
    if certified is None:
        return True
    return add_months(certified, months) > period.end


def months_in(period: Period) -> Decimal:
    return Decimal(period.months)
