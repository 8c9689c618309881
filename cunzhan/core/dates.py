"""Calendar boundaries in Asia/Shanghai: months, ISO weeks and reporting deadlines.

Every deadline is an aware datetime at the *end* of a Shanghai calendar day (23:59:59.999999),
so "submitted at 23:59:59 on the 5th" is on time and "00:00:00 on the 6th" is late, whatever the
server's clock zone: comparisons between aware datetimes are absolute instants.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

# The product's one time zone, spelled here only (DOMAIN.md: every date and deadline is Shanghai's):
# settings.TIME_ZONE, the SQL that converts in the database and every aware datetime read it from here.
TIME_ZONE_NAME = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TIME_ZONE_NAME)
# Its offset from UTC, for date arithmetic in SQLite and on UTC texts (no daylight saving since 1991)
UTC_OFFSET = datetime(2000, 1, 1, tzinfo=SHANGHAI).utcoffset() or timedelta(0)


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def month_first(year: int, month: int) -> date:
    return date(year, month, 1)


def month_last(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def day_start(day: date) -> datetime:
    """00:00:00 at the start of ``day`` in Asia/Shanghai."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def day_end(day: date) -> datetime:
    """23:59:59.999999 at the end of ``day`` in Asia/Shanghai."""
    return datetime.combine(day, time.max, tzinfo=SHANGHAI)


def local_date(moment: datetime | date) -> date:
    """The Asia/Shanghai calendar date of an aware datetime (a date is returned as is)."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment, SHANGHAI).date()
    return moment


def local_now() -> datetime:
    return timezone.localtime(timezone.now(), SHANGHAI)


def previous_month(moment: datetime | date | None = None) -> tuple[int, int]:
    """The month before the one containing ``moment`` (default now), in Shanghai."""
    day = local_date(moment or timezone.now())
    return add_months(day.year, day.month, -1)


def parse_month(text: str) -> tuple[int, int]:
    """``"2025-01"`` → (2025, 1); ValueError for anything else."""
    year_text, _, month_text = text.strip().partition("-")
    year, month = int(year_text), int(month_text)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValueError(text)
    return year, month


def parse_week(text: str) -> tuple[int, int]:
    """``"2025-W01"`` → (2025, 1) as an ISO year and week; ValueError for anything else."""
    year_text, _, week_text = text.strip().upper().partition("-W")
    year, week = int(year_text), int(week_text)
    date.fromisocalendar(year, week, 1)  # raises ValueError for week 53 of a 52-week year
    return year, week


# -- monthly --------------------------------------------------------------------------


def monthly_due(year: int, month: int, day: int = 5) -> datetime:
    """The end of ``day`` of the month after (year, month): the 5th by default (Jia 第四条七)."""
    next_year, next_month = add_months(year, month, 1)
    day = min(day, calendar.monthrange(next_year, next_month)[1])
    return day_end(date(next_year, next_month, day))


def monthly_grace_end(year: int, month: int, months: int = 1) -> datetime:
    """The end of the last day of month M+``months``: after it an unsubmitted report is missed."""
    grace_year, grace_month = add_months(year, month, months)
    return day_end(month_last(grace_year, grace_month))


# -- ISO weeks ------------------------------------------------------------------------


def week_monday(year: int, week: int) -> date:
    return date.fromisocalendar(year, week, 1)


def week_sunday(year: int, week: int) -> date:
    return date.fromisocalendar(year, week, 7)


def iso_week_of(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def weekly_due(year: int, week: int, days_after: int = 1) -> datetime:
    """The end of the ``days_after``-th day after the week's Sunday: Monday of W+1 by default."""
    return day_end(week_sunday(year, week) + timedelta(days=days_after))


def weekly_grace_end(year: int, week: int, days_after: int = 7) -> datetime:
    """The end of the ``days_after``-th day after the week's Sunday: Sunday of W+1 by default."""
    return day_end(week_sunday(year, week) + timedelta(days=days_after))


def weeks_between(start: date, end: date) -> list[tuple[int, int]]:
    """The ISO weeks whose Monday lies in [start, end]."""
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    weeks = []
    while monday <= end:
        weeks.append(iso_week_of(monday))
        monday += timedelta(days=7)
    return weeks


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    """The months (year, month) touching [start, end], in order."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = add_months(year, month, 1)
    return months
