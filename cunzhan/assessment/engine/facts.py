"""What the engine needs to know about one station in one period. Gathered set-based from the
database by cunzhan.assessment.facts; built by hand in tests."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Period:
    year: int
    half: str  # "H1" | "H2"
    start: date
    end: date  # inclusive

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @classmethod
    def of(cls, year: int, half: str, months: tuple[int, int], *, full_year: bool = False) -> Period:
        first, last = (1, 12) if full_year else months
        end_day = calendar.monthrange(year, last)[1]
        return cls(year=year, half=half, start=date(year, first, 1), end=date(year, last, end_day))


@dataclass(frozen=True)
class Fault:
    """An equipment fault report (报修)."""

    reported: date
    repaired: date | None
    stopped_operation: bool = True
    ref: str = ""


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
    missed_activities: int = 0
    missed_activity_reports: int = 0
    late_reports: int = 0
    missed_reports: int = 0
    purchase_orders: int = 0
    sale_orders: int = 0
    parcel_complaints: int = 0
    refs: dict[str, list[str]] = field(default_factory=dict)  # fact name -> record references for explanations


@dataclass(frozen=True)
class SupervisionFacts:
    """Verified daily-supervision events of one station in the year, by kind."""

    station: str
    counts: dict[str, int] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)


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
