"""历史导入: a county starting on CunZhan brings the stations it already runs, each with its current status
and certification date, without walking them through the 申请 workflow again (DOMAIN.md, "Migrated
history"). The station import (:mod:`cunzhan.stations.importers`) reads the columns; this module holds
the rules and what is written for such a station.

* The statuses a file may give are those of a certified station and after: 认定授牌, 培育期, 运营, 整改,
  撤销, 关停. A row without a status is a new application (申请), as before.
* A status needs its certification date (认定日期), which must not be in the future: incubation
  (培育期) counts from it exactly as from a certification made in the system (``Station.certified_at``,
  the county's ``incubation_months``).
* The application date (申请日期) may be given: the certification cannot precede it. Without it the
  application is recorded as of the certification date; either way the import event holds it.
* 培育期 and 运营 are checked against the date, never silently changed: 培育期 with a date whose
  incubation has ended, or 运营 with one whose incubation has not, is a contradiction the file must
  correct (the lifecycle moves 培育期 → 运营 only once the incubation is over). 认定授牌, 整改, 撤销 and 关停
  may follow any certification date.
* Giving a station a certified status is a certification: only roles that certify (the county office,
  the administrator) may import such rows.
* Every station the import creates gets a lifecycle event naming who, when and the source file (name
  and SHA-256): "历史导入" for a station entering its status directly, "批量导入" for an application.
  A file whose digest an earlier import recorded is recognised and reported as already imported:
  nothing changes.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Count, Min
from django.utils.translation import gettext as _

from cunzhan.stations import lifecycle
from cunzhan.stations.models import Station, StationEvent, Status

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User

HISTORY_REASON = "历史导入"
APPLICATION_REASON = "批量导入"
# the statuses a station may be imported in, by their label (and their code)
HISTORY_STATUSES = (
    Status.CERTIFIED,
    Status.INCUBATION,
    Status.OPERATING,
    Status.RECTIFYING,
    Status.REVOKED,
    Status.CLOSED,
)
STATUS_BY_TEXT = {
    **{str(s.label): s.value for s in HISTORY_STATUSES},
    **{s.value: s.value for s in HISTORY_STATUSES},
}
EARLIEST = date(2000, 1, 1)

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+0{1,2}:00(?::00)?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateInvalid(ValueError):
    """A cell that is not a date; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_date(value: Any) -> date | None:
    """A date cell as Excel, WPS or a CSV give it: a date, an Excel serial number, or text such as
    2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日, 20250301. None for a blank cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or not 1 <= value < 2958466:
            raise DateInvalid(_("“%(value)s”不是日期，请写成 2025-03-01") % {"value": value})
        return _EXCEL_EPOCH + timedelta(days=math.floor(value))
    text = str(value).strip()
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise DateInvalid(_("“%(value)s”不是日期，请写成 2025-03-01") % {"value": text[:30]})
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise DateInvalid(_("日期“%(value)s”不存在") % {"value": text[:30]}) from None


def status_problems(
    status: str | None,
    certified_on: date | None,
    *,
    today: date,
    incubation_months: int,
    applied_on: date | None = None,
) -> list[tuple[str, str]]:
    """What is wrong with a row's status, certification date and application date, as (column key,
    message) pairs."""
    if status is None:
        if certified_on is not None:
            return [("status", _("填写了认定日期，须同时填写当前状态（新申请的站点两列都留空）"))]
        return []
    if certified_on is None:
        return [("certified_on", _("已认定的站点须填写认定日期（培育期由此计算）"))]
    if certified_on > today:
        return [("certified_on", _("认定日期 %(date)s 晚于今天") % {"date": certified_on.isoformat()})]
    if certified_on < EARLIEST:
        return [("certified_on", _("认定日期 %(date)s 早于 2000 年，请检查") % {"date": certified_on.isoformat()})]
    if applied_on is not None and applied_on < EARLIEST:
        return [("applied_on", _("申请日期 %(date)s 早于 2000 年，请检查") % {"date": applied_on.isoformat()})]
    if applied_on is not None and certified_on < applied_on:
        return [
            (
                "certified_on",
                _("认定日期 %(certified)s 早于申请日期 %(applied)s：站点须先申请后认定")
                % {"certified": certified_on.isoformat(), "applied": applied_on.isoformat()},
            )
        ]
    ends = incubation_end(certified_on, incubation_months)
    names = {"date": certified_on.isoformat(), "months": incubation_months, "end": ends.isoformat()}
    if status == Status.INCUBATION and today >= ends:
        return [
            (
                "status",
                _(
                    "认定日期 %(date)s 起 %(months)d 个月的培育期已于 %(end)s 结束，"
                    "当前状态不能是“培育期”（应为“运营”或“整改”等）"
                )
                % names,
            )
        ]
    if status == Status.OPERATING and today < ends:
        return [
            (
                "status",
                _("认定日期 %(date)s 起 %(months)d 个月的培育期到 %(end)s 才结束，当前状态应为“培育期”") % names,
            )
        ]
    return []


def incubation_end(certified_on: date, months: int) -> date:
    """The first day after incubation, as :func:`lifecycle.incubation_ends_at` counts it."""
    return lifecycle.add_months(certified_on, months)


def certified_at(certified_on: date) -> datetime:
    """The moment recorded for an imported certification: the start of its day in Asia/Shanghai."""
    return lifecycle.start_of_day(certified_on)


# -- the source file -------------------------------------------------------------------------------


def file_digest(source: str | Path | IO[bytes]) -> str:
    """SHA-256 of the file, read in chunks; a file object is left where it was."""
    digest = hashlib.sha256()
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    position = source.tell()
    source.seek(0)
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
    source.seek(position)
    return digest.hexdigest()


def source_data(name: str, digest: str) -> dict[str, Any]:
    """What a station's import event says of its file."""
    return {"source": {"file": Path(name).name, "sha256": digest}}


@dataclass(frozen=True)
class AlreadyImported:
    """An earlier import of the same file (by its digest), as far as the user can see it."""

    at: datetime
    stations: int

    def message(self) -> str:
        return _("此文件（SHA-256 相同）已于 %(when)s 导入过，共 %(n)d 个服务站；本次未做任何修改。") % {
            "when": lifecycle.local_date(self.at).isoformat(),
            "n": self.stations,
        }


def earlier_import(acting_user: User, digest: str) -> AlreadyImported | None:
    """The import of a file with this digest that the user's scope shows, or None."""
    events = acting_user.scope.filter(
        StationEvent.objects.filter(data__source__sha256=digest, reason__in=[HISTORY_REASON, APPLICATION_REASON])
    )
    found = events.aggregate(at=Min("at"), stations=Count("station", distinct=True))
    if not found["stations"]:
        return None
    return AlreadyImported(at=found["at"], stations=found["stations"])


def import_event(
    station: Station,
    *,
    actor: User,
    at: datetime,
    source: dict[str, Any],
    certified_on: date | None,
    applied_on: date | None = None,
) -> StationEvent:
    """The lifecycle event of a station the import created (unsaved: the importer bulk-creates them); a
    station brought in its status keeps its dates there, the application as of the certification when
    the file gives none."""
    if station.status == Status.APPLIED:
        return StationEvent(
            station=station,
            from_status="",
            to_status=Status.APPLIED,
            actor=actor,
            at=at,
            reason=APPLICATION_REASON,
            data=source,
        )
    applied_on = applied_on or certified_on
    data = {
        **source,
        "certified_on": certified_on.isoformat() if certified_on else None,
        "applied_on": applied_on.isoformat() if applied_on else None,
    }
    return StationEvent(
        station=station, from_status="", to_status=station.status, actor=actor, at=at, reason=HISTORY_REASON, data=data
    )
