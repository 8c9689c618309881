"""What every rule shares: a candidate notice, the moments a deadline's phases begin, and the people to
tell (the keepers of stations, the operators of units, the county offices), each found for a whole set
of stations, units or counties in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from cunzhan.accounts.models import User
from cunzhan.core import dates
from cunzhan.core.roles import Role
from cunzhan.notices.models import ReminderSettings

# a notice of a missed deadline found later than this after it passed is history, not news (a county
# starting on the system, a scheduler stopped for weeks): nobody is told
STALE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Candidate:
    """A notice a rule would make; :func:`cunzhan.notices.services.notices_generate` inserts it unless
    its key (recipient, kind, subject, phase) was made before."""

    recipient_id: int
    kind: str
    subject: str
    phase: str
    county_code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    link: str = ""
    station_id: int | None = None
    due_at: datetime | None = None


@dataclass
class Moment:
    """The moment the scheduler runs at, and each county's reminder settings (defaults when none saved)."""

    now: datetime
    saved: dict[str, ReminderSettings] = field(default_factory=dict)

    def settings(self, county_code: str) -> ReminderSettings:
        if county_code not in self.saved:
            self.saved[county_code] = ReminderSettings(county_id=county_code)
        return self.saved[county_code]

    @classmethod
    def at(cls, now: datetime, county_codes: Iterable[str]) -> Moment:
        codes = set(county_codes)
        return cls(now=now, saved={s.county_id: s for s in ReminderSettings.objects.filter(county_id__in=codes)})

    @property
    def today(self) -> date:
        return dates.local_date(self.now)


def at_hour(day: date, hour: int) -> datetime:
    """``hour`` o'clock on ``day`` in Asia/Shanghai: reminders wait for the county's hour, nobody is
    woken at midnight by a deadline that passed at 23:59:59."""
    return dates.day_start(day) + timedelta(hours=hour)


def before_phase(
    *, due_at: datetime, offsets: Iterable[int], hour: int, now: datetime, opens_at: datetime | None = None
) -> str | None:
    """``before-N``: the latest reminder (N days before the deadline's day, at the county's hour) whose
    moment has come while the deadline has not passed. A reminder that would come before the obligation
    opens (a weekly report's, before the week ends) comes when it opens; of reminders whose moments have
    all passed (a scheduler stopped for days) only the latest is sent."""
    if now > due_at:
        return None
    fired = []
    for offset in offsets:
        moment = at_hour(dates.local_date(due_at) - timedelta(days=offset), hour)
        if opens_at is not None and moment < opens_at:
            moment = max(opens_at, at_hour(dates.local_date(opens_at), hour))
        if moment <= now:
            fired.append(offset)
    return f"before-{min(fired)}" if fired else None


def after(deadline: datetime, hour: int) -> datetime:
    """The moment a deadline's passing is told: the county's hour of the next day."""
    return at_hour(dates.local_date(deadline) + timedelta(days=1), hour)


def passed(deadline: datetime, hour: int, now: datetime) -> bool:
    """Whether the passing of ``deadline`` is news at ``now``: told from the next day's hour, for a week."""
    return after(deadline, hour) <= now <= deadline + STALE_AFTER


# -- recipients -----------------------------------------------------------------------------------


def _active(role: Role) -> QuerySet[User]:
    return User.objects.filter(role=role, is_active=True)


def keepers_of(stations: QuerySet[Any, Any] | Iterable[int]) -> dict[int, list[int]]:
    """Station id → its keepers' user ids, for a queryset of stations (one query, the stations as a
    subquery) or a list of ids."""
    rows = _active(Role.KEEPER).filter(station__in=stations).values_list("station_id", "pk").order_by()
    found: dict[int, list[int]] = defaultdict(list)
    for station_id, pk in rows:
        found[station_id].append(pk)
    return found


def operators_of(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """Operating unit id → its operators' user ids."""
    rows = _active(Role.OPERATOR).filter(operating_unit_id__in=set(unit_ids)).values_list("operating_unit_id", "pk")
    found: dict[int, list[int]] = defaultdict(list)
    for unit_id, pk in rows.order_by():
        found[unit_id].append(pk)
    return found


def offices_of(county_codes: Iterable[str]) -> dict[str, list[int]]:
    """County code → the county office's user ids."""
    rows = _active(Role.COUNTY_OFFICE).filter(region_id__in=set(county_codes)).values_list("region_id", "pk")
    found: dict[str, list[int]] = defaultdict(list)
    for code, pk in rows.order_by():
        found[code].append(pk)
    return found
