"""The station lifecycle as data: which moves exist, who may make them and what each needs.

申请 → 运营单位初审 → 县级审核 → 公示 → 认定授牌 → 培育期 → 运营 ⇄ 整改 → 撤销 / 关停
(Jiangxi 第十一条3、4; Jia 第五条). :func:`cunzhan.stations.services.station_transition`
applies a move; this module only describes them and computes the time gates.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext_lazy as _

from cunzhan.core.dates import SHANGHAI
from cunzhan.stations.models import Status

S = Status


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    permission: str
    label: str
    requires: tuple[str, ...] = ()  # fields the caller must give: "reason", "agreement_no"
    norms_must_pass: bool = False  # every norm passes or is exempt
    ends_station: bool = False  # ends the agreement and produces the asset-return checklist


REASON = ("reason",)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.APPLIED, S.PRELIMINARY_REVIEW, "station.review.preliminary", _("受理，开始初审")),
    Transition(S.APPLIED, S.CLOSED, "station.register", _("撤回申请"), REASON),
    Transition(S.PRELIMINARY_REVIEW, S.COUNTY_REVIEW, "station.review.preliminary", _("初审合格，报县级审核")),
    Transition(S.PRELIMINARY_REVIEW, S.APPLIED, "station.review.preliminary", _("初审不合格，退回"), REASON),
    Transition(S.COUNTY_REVIEW, S.PUBLICITY, "station.review.county", _("审核通过，开始公示"), norms_must_pass=True),
    Transition(S.COUNTY_REVIEW, S.APPLIED, "station.review.county", _("审核不通过，退回"), REASON),
    Transition(
        S.PUBLICITY,
        S.CERTIFIED,
        "station.certify",
        _("公示无异议，认定授牌"),
        ("agreement_no",),
        norms_must_pass=True,
    ),
    Transition(S.PUBLICITY, S.APPLIED, "station.review.county", _("公示有异议，退回"), REASON),
    Transition(S.CERTIFIED, S.INCUBATION, "station.certify", _("进入培育期")),
    Transition(S.INCUBATION, S.OPERATING, "station.certify", _("培育期满，转入运营")),
    Transition(S.INCUBATION, S.RECTIFYING, "station.rectify", _("责令整改"), REASON),
    Transition(S.OPERATING, S.RECTIFYING, "station.rectify", _("责令整改"), REASON),
    Transition(S.RECTIFYING, S.OPERATING, "station.rectify", _("整改复查合格"), REASON),
    *(
        Transition(source, S.REVOKED, "station.revoke", _("撤销（摘牌）"), REASON, ends_station=True)
        for source in (S.CERTIFIED, S.INCUBATION, S.OPERATING, S.RECTIFYING)
    ),
    *(
        Transition(source, S.CLOSED, "station.revoke", _("关停"), REASON, ends_station=True)
        for source in (S.CERTIFIED, S.INCUBATION, S.OPERATING, S.RECTIFYING)
    ),
)

BY_MOVE: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


def transition_for(source: str, target: str) -> Transition | None:
    return BY_MOVE.get((source, target))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def publicity_ends_at(started_at: datetime, days: int) -> datetime:
    """Publicity runs ``days`` whole calendar days in Asia/Shanghai counting the day it starts
    (公示期 D 至 D+days-1, as notices are dated); certification is possible from midnight after."""
    return start_of_day(local_date(started_at) + timedelta(days=days))


def incubation_ends_at(certified_at: datetime, months: int) -> datetime:
    """培育期: ``months`` after the certification day (Asia/Shanghai)."""
    return start_of_day(add_months(local_date(certified_at), months))
