"""补录 (late registration): a record dated inside a half-year whose assessment its county has already
published, entered after that publication.

Keepers do record late, so such a record is accepted: it counts in the next correction of the period and
never in the published version (a snapshot). It is marked on its pages with who entered it and when.
The mark is not stored: it follows from the record's own date, the time it was entered and the time its
half-year was published (:class:`~cunzhan.core.models.PublishedPeriod`), so it cannot drift from them.

Each app registers, for each kind of record, where those are read (:func:`register`, from its
``AppConfig.ready``): the ledgers' rows, reports (dated by their due time, as the assessment counts them),
training attendance, activity participation and activity data reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cunzhan.core.dates import SHANGHAI, day_end, day_start, local_date
from cunzhan.core.models import Half, PublishedPeriod


@dataclass(frozen=True)
class Kind:
    """Where a kind of record keeps what decides its mark (lookups from the record)."""

    county: str  # the county code
    day: str  # the date that places it in a half-year
    entered_at: str  # when it was entered (None: not yet, e.g. a report opened but never submitted)
    entered_by: str  # the account that entered it
    station: str = "station_id"
    day_is_moment: bool = False  # ``day`` is an aware datetime (a report's due time), not a date


_KINDS: dict[type[Model], Kind] = {}


def register(model: type[Model], kind: Kind) -> None:
    _KINDS[model] = kind


def kind_of(model: type[Model]) -> Kind:
    return _KINDS[model]


def half_of(day: date) -> tuple[int, str]:
    return day.year, Half.H1 if day.month <= 6 else Half.H2


class Publications:
    """When each half-year of some counties (None: of every county) was first published (one query)."""

    def __init__(self, county_codes: Iterable[str] | None = None) -> None:
        rows = PublishedPeriod.objects.all()
        if county_codes is not None:
            rows = rows.filter(county_code__in={code[:6] for code in county_codes})
        self._at = {
            (county, year, half): at
            for county, year, half, at in rows.values_list("county_code", "year", "half", "published_at")
        }

    def __bool__(self) -> bool:
        return bool(self._at)

    def published_at(self, county_code: str, day: date | datetime) -> datetime | None:
        return self._at.get((county_code[:6], *half_of(local_date(day))))

    def is_late(self, county_code: str, day: date | datetime, entered_at: datetime | None) -> bool:
        published = self.published_at(county_code, day)
        return published is not None and entered_at is not None and entered_at > published


@dataclass(frozen=True, slots=True)
class Entry:
    """A record entered in a time window, with what its mark says."""

    model: type[Model]
    pk: int
    station_id: int
    day: date
    entered_at: datetime
    entered_by: str  # the account's name as the pages show it
    late: bool  # 补录: entered after its half-year was published


def _name(display_name: str | None, username: str | None) -> str:
    return display_name or username or _("（已删除的账号）")


def entries(
    model: type[Model], county_codes: Iterable[str], start: date, end: date, since: datetime, until: datetime
) -> list[Entry]:
    """The records of the kind in the counties dated start..end and entered in (since, until], oldest first."""
    kind = _KINDS[model]
    codes = sorted({code[:6] for code in county_codes})
    if kind.day_is_moment:
        in_range = Q(**{f"{kind.day}__gte": day_start(start), f"{kind.day}__lte": day_end(end)})
    else:
        in_range = Q(**{f"{kind.day}__gte": start, f"{kind.day}__lte": end})
    rows = (
        model._default_manager.filter(in_range, **{f"{kind.county}__in": codes})
        .filter(**{f"{kind.entered_at}__gt": since, f"{kind.entered_at}__lte": until})
        .order_by(kind.entered_at, "pk")
        .values_list(
            "pk",
            kind.station,
            kind.county,
            kind.day,
            kind.entered_at,
            f"{kind.entered_by}__display_name",
            f"{kind.entered_by}__username",
        )
    )
    publications = Publications(codes)
    found = []
    for pk, station_id, county, day, entered_at, display_name, username in rows:
        found.append(
            Entry(
                model=model,
                pk=pk,
                station_id=station_id,
                day=local_date(day),
                entered_at=entered_at,
                entered_by=_name(display_name, username),
                late=publications.is_late(county, day, entered_at),
            )
        )
    return found


class Marks:
    """Which of some records are 补录: ``marks.badge(record)`` is the pages' mark (empty for the others),
    saying who entered it and when."""

    def __init__(self, found: dict[tuple[type[Model], Any], tuple[str, datetime]]) -> None:
        self._found = found

    def of(self, record: object) -> tuple[str, datetime] | None:
        if not isinstance(record, Model):
            return None
        return self._found.get((type(record), record.pk))

    def __contains__(self, record: object) -> bool:
        return self.of(record) is not None

    def __len__(self) -> int:
        return len(self._found)

    def title(self, record: object) -> str:
        mark = self.of(record)
        if mark is None:
            return ""
        who, when = mark
        return _("补录：%(who)s 于 %(at)s 登记（该半年考核已发布，计入下次更正）") % {
            "who": who,
            "at": f"{timezone.localtime(when, SHANGHAI):%Y-%m-%d %H:%M}",
        }

    def badge(self, record: object) -> SafeString:
        title = self.title(record)
        if not title:
            return SafeString("")
        return format_html('<span class="badge text-bg-warning late-entry" title="{}">{}</span>', title, _("补录"))


def late_marks(*groups: Iterable[object]) -> Marks:
    """The marks of the records in the groups (model instances of the registered kinds; anything else is
    passed over): one query for the publications and, when any half-year has been published, one for each
    kind of record among them."""
    by_model: dict[type[Model], set[Any]] = defaultdict(set)
    for records in groups:
        for record in records:
            if isinstance(record, Model) and type(record) in _KINDS and record.pk is not None:
                by_model[type(record)].add(record.pk)
    found: dict[tuple[type[Model], Any], tuple[str, datetime]] = {}
    publications = Publications() if by_model else None
    if not publications:  # nothing published anywhere yet: nothing can be late
        return Marks(found)
    for model, pks in by_model.items():
        kind = _KINDS[model]
        rows = (
            model._default_manager.filter(pk__in=pks)
            .order_by()
            .values_list(
                "pk",
                kind.county,
                kind.day,
                kind.entered_at,
                f"{kind.entered_by}__display_name",
                f"{kind.entered_by}__username",
            )
        )
        for pk, county, day, entered_at, display_name, username in rows:
            if publications.is_late(county, day, entered_at):
                found[(model, pk)] = (_name(display_name, username), entered_at)
    return Marks(found)
