"""Report periods, deadlines and status, computed from timestamps alone.

A status is a function of (opens_at, due_at, grace_end, first_submitted_at, now): no job writes it,
so it is right whenever it is asked, including for a station that has no report row at all.

=========  ============================================================
not_due    the period has not ended yet (nothing can be submitted)
due_open   the period has ended, the due time has not passed, not submitted
on_time    first submitted at or before the due time
late       迟报: first submitted after the due time, within the grace window
pending    overdue: due time passed, grace window still open, not submitted
missed     漏报: nothing submitted by the end of the grace window
=========  ============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Case, Expression, F, Value, When
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from cunzhan.core import dates
from cunzhan.reports.models import Kind, ReportSettings


class ReportStatus(models.TextChoices):
    NOT_DUE = "not_due", _("未到期")
    DUE_OPEN = "due_open", _("待报送")
    ON_TIME = "on_time", _("按时报送")
    LATE = "late", _("迟报")
    PENDING = "pending", _("逾期未报")
    MISSED = "missed", _("漏报")


# the statuses an operating unit chases
OUTSTANDING = (ReportStatus.DUE_OPEN, ReportStatus.PENDING, ReportStatus.MISSED)
SUBMITTED = (ReportStatus.ON_TIME, ReportStatus.LATE)


def status_of(
    *, opens_at: datetime, due_at: datetime, grace_end: datetime, first_submitted_at: datetime | None, now: datetime
) -> ReportStatus:
    if first_submitted_at is not None:
        if first_submitted_at <= due_at:
            return ReportStatus.ON_TIME
        if first_submitted_at <= grace_end:
            return ReportStatus.LATE
        return ReportStatus.MISSED  # filed after the grace window: still nothing "by the end" of it
    if now < opens_at:
        return ReportStatus.NOT_DUE
    if now <= due_at:
        return ReportStatus.DUE_OPEN
    if now <= grace_end:
        return ReportStatus.PENDING
    return ReportStatus.MISSED


def status_expression(
    *,
    now: datetime,
    opens_at: datetime,
    submitted: str,
    due: str | datetime | Expression,
    grace: str | datetime | Expression,
) -> Expression:
    """The rules of :func:`status_of` as a database CASE over a (possibly missing) report row.

    ``submitted`` is the lookup of the first submission time; ``due`` / ``grace`` a lookup, a
    constant or an expression (e.g. the row's value coalesced with the period's).
    """

    def ref(value: str | datetime | Expression) -> Expression:
        if isinstance(value, str):
            return F(value)
        if isinstance(value, datetime):
            return Value(value, output_field=models.DateTimeField())
        return value

    moment = Value(now, output_field=models.DateTimeField())
    first = F(submitted)
    if now < opens_at:
        unsubmitted: Expression = Value(ReportStatus.NOT_DUE)
    else:
        unsubmitted = Case(
            When(GreaterThanOrEqual(ref(due), moment), then=Value(ReportStatus.DUE_OPEN)),
            When(GreaterThanOrEqual(ref(grace), moment), then=Value(ReportStatus.PENDING)),
            default=Value(ReportStatus.MISSED),
            output_field=models.CharField(),
        )
    return Case(
        When(IsNull(first, True), then=unsubmitted),
        When(LessThanOrEqual(first, ref(due)), then=Value(ReportStatus.ON_TIME)),
        When(LessThanOrEqual(first, ref(grace)), then=Value(ReportStatus.LATE)),
        default=Value(ReportStatus.MISSED),
        output_field=models.CharField(),
    )


@dataclass(frozen=True)
class ReportPeriod:
    """One reporting period of a kind, with the county's deadlines for it."""

    kind: str
    start: date
    end: date
    due_at: datetime
    grace_end: datetime

    @property
    def opens_at(self) -> datetime:
        """The first instant a report for the period may be submitted: right after it ends."""
        return dates.day_start(self.end + timedelta(days=1))

    @property
    def slug(self) -> str:
        if self.kind == Kind.WEEKLY:
            year, week = dates.iso_week_of(self.start)
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == Kind.WEEKLY:
            year, week = dates.iso_week_of(self.start)
            return str(_("%(year)d年第%(week)d周")) % {"year": year, "week": week}
        return str(_("%(year)d年%(month)d月")) % {"year": self.start.year, "month": self.start.month}


def monthly_period(settings: ReportSettings, year: int, month: int) -> ReportPeriod:
    return ReportPeriod(
        kind=Kind.MONTHLY,
        start=dates.month_first(year, month),
        end=dates.month_last(year, month),
        due_at=dates.monthly_due(year, month, settings.monthly_due_day),
        grace_end=dates.monthly_grace_end(year, month, settings.monthly_grace_months),
    )


def weekly_period(settings: ReportSettings, year: int, week: int) -> ReportPeriod:
    return ReportPeriod(
        kind=Kind.WEEKLY,
        start=dates.week_monday(year, week),
        end=dates.week_sunday(year, week),
        due_at=dates.weekly_due(year, week, settings.weekly_due_days),
        grace_end=dates.weekly_grace_end(year, week, settings.weekly_grace_days),
    )


def period_from_slug(settings: ReportSettings, kind: str, slug: str) -> ReportPeriod:
    """``("monthly", "2025-01")`` or ``("weekly", "2025-W03")``; ValueError when malformed."""
    if kind == Kind.MONTHLY:
        return monthly_period(settings, *dates.parse_month(slug))
    if kind == Kind.WEEKLY:
        return weekly_period(settings, *dates.parse_week(slug))
    raise ValueError(kind)


def periods_due_between(settings: ReportSettings, start: date, end: date) -> list[ReportPeriod]:
    """Monthly (and, when enabled, weekly) periods whose due time falls on a Shanghai date in [start, end]."""
    found = []
    for year, month in dates.months_between(_first(start, -2), end):
        period = monthly_period(settings, year, month)
        if start <= dates.local_date(period.due_at) <= end:
            found.append(period)
    if settings.weekly_enabled:
        for year, week in dates.weeks_between(start - timedelta(days=14), end):
            period = weekly_period(settings, year, week)
            if start <= dates.local_date(period.due_at) <= end:
                found.append(period)
    return found


def _first(day: date, months: int) -> date:
    year, month = dates.add_months(day.year, day.month, months)
    return date(year, month, 1)
