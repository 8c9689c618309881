"""Half-year assessment periods (H1 = Jan–Jun, H2 = Jul–Dec, Asia/Shanghai) and their freeze.

Once a county publishes a period's assessment, the evidence dated inside it (trainings, activities,
inspections, complaints …) is frozen: services refuse plain edits and accept only a correction
with a reason, which the operation log keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.dates import SHANGHAI
from cunzhan.core.models import Half, PublishedPeriod


@dataclass(frozen=True)
class Period:
    year: int
    half: str  # "H1" or "H2"

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == Half.H1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == Half.H1 else date(self.year, 12, 31)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=SHANGHAI)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        following = date(self.year, 7, 1) if self.half == Half.H1 else date(self.year + 1, 1, 1)
        return datetime.combine(following, time.min, tzinfo=SHANGHAI)

    @property
    def label(self) -> str:
        return _("%(year)d年%(half)s") % {"year": self.year, "half": Half(self.half).label}

    def __str__(self) -> str:
        return f"{self.year}{self.half}"


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Asia/Shanghai (aware)."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def local_date(moment_or_date: date | datetime) -> date:
    """The Asia/Shanghai calendar date of an aware datetime (a date is returned as is)."""
    if isinstance(moment_or_date, datetime):
        return timezone.localtime(moment_or_date, SHANGHAI).date()
    return moment_or_date


def period_of(moment_or_date: date | datetime) -> Period:
    day = local_date(moment_or_date)
    return Period(day.year, Half.H1 if day.month <= 6 else Half.H2)


def current_period() -> Period:
    return period_of(timezone.now())


def is_frozen(county_code: str, moment_or_date: date | datetime) -> bool:
    """Whether the half-year containing the date has been published for the county."""
    period = period_of(moment_or_date)
    return PublishedPeriod.objects.filter(county_code=county_code[:6], year=period.year, half=period.half).exists()


def ensure_editable(county_code: str, moment_or_date: date | datetime, *, correction_reason: str = "") -> bool:
    """Refuse a plain edit inside a published period; a correction needs a reason.

    Returns True when the change is a correction (the caller logs the reason).
    """
    if not is_frozen(county_code, moment_or_date):
        return False
    if not correction_reason.strip():
        raise ValidationError(
            _("%(period)s的考核已发布，记录已冻结，不能直接修改；如需更正，请提交更正并填写理由。")
            % {"period": period_of(moment_or_date).label}
        )
    return True
