"""Period scoring, the annual composite, grades and shared ranks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext_noop as N_

from cunzhan.assessment.engine.facts import Period, StationFacts, SupervisionFacts, in_incubation
from cunzhan.assessment.engine.rules import RULE_TYPES, ZERO, Context, ItemResult, Line, fmt, say
from cunzhan.assessment.engine.scheme import Scheme

ASSESSED, INCUBATION, INCOMPLETE = "assessed", "incubation", "incomplete"

SUPERVISION_MESSAGES = {
    "not_cooperating": N_("不配合日常督查 %(count)s 次，每次扣 %(per)s 分"),
    "poor_performance": N_("督查中发现各项工作较差 %(count)s 次，每次扣 %(per)s 分"),
    "public_report": N_("经核实的群众举报 %(count)s 次，每次扣 %(per)s 分"),
    "leader_criticism_or_media": N_("受到县级以上领导批评或媒体曝光 %(count)s 次，每次扣 %(per)s 分"),
}
OTHER_SUPERVISION = N_("%(kind)s %(count)s 次，每次扣 %(per)s 分")


@dataclass(frozen=True)
class PeriodResult:
    station: str
    status: str
    items: tuple[ItemResult, ...] = ()
    total: Decimal | None = None
    grade: str | None = None
    rank: int | None = None
    missing: tuple[str, ...] = ()

    @property
    def score(self) -> Decimal | None:
        return self.total


@dataclass(frozen=True)
class AnnualResult:
    station: str
    status: str
    h1: Decimal | None
    h2: Decimal | None
    deductions: Decimal
    total: Decimal | None
    grade: str | None = None
    rank: int | None = None
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def score(self) -> Decimal | None:
        return self.total


def assess_period(scheme: Scheme, period: Period, facts: StationFacts) -> PeriodResult:
    """Score one station for H1 or H2 (unranked; see :func:`rank`)."""
    if in_incubation(facts.certified, period, scheme.incubation_months):
        return PeriodResult(station=facts.station, status=INCUBATION)
    ctx = Context(scheme=scheme, period=period)
    items = tuple(RULE_TYPES[item.rule].evaluate(item, facts, ctx) for item in scheme.items)
    missing = tuple(key for result in items for key in result.missing)
    if missing:
        return PeriodResult(station=facts.station, status=INCOMPLETE, items=items, missing=missing)
    total = sum((r.score for r in items), ZERO)
    return PeriodResult(station=facts.station, status=ASSESSED, items=items, total=total, grade=scheme.grade(total))


def assess_annual(scheme: Scheme, h1: PeriodResult, h2: PeriodResult, supervision: SupervisionFacts) -> AnnualResult:
    """0.5 × H1 + 0.5 × H2 − daily-supervision deductions, floored at 0; an assessed half alone counts in full."""
    lines: list[Line] = []
    deductions = ZERO
    for kind, count in sorted(supervision.counts.items()):
        if count and kind in scheme.supervision:
            per = scheme.supervision[kind]
            deductions += per * count
            # a kind a county's scheme adds is named by its key, in a message still marked for translation
            message = SUPERVISION_MESSAGES.get(kind, OTHER_SUPERVISION)
            args = {"count": count, "per": fmt(per)} | ({} if kind in SUPERVISION_MESSAGES else {"kind": kind})
            lines.append(say(message, -(per * count), supervision.refs.get(kind, []), **args))
    statuses = {h1.status, h2.status}
    if INCOMPLETE in statuses:
        return AnnualResult(supervision.station, INCOMPLETE, h1.total, h2.total, deductions, None, lines=tuple(lines))
    if statuses == {INCUBATION}:
        return AnnualResult(supervision.station, INCUBATION, None, None, deductions, None, lines=tuple(lines))
    if h1.status == ASSESSED and h2.status == ASSESSED:
        base = scheme.h1_weight * _total(h1) + scheme.h2_weight * _total(h2)
        lines.insert(
            0,
            say(
                N_("半年考核 %(h1)s × %(h1_weight)s + 年终考核 %(h2)s × %(h2_weight)s"),
                ZERO,
                h1=fmt(_total(h1)),
                h1_weight=fmt(scheme.h1_weight),
                h2=fmt(_total(h2)),
                h2_weight=fmt(scheme.h2_weight),
            ),
        )
    else:
        assessed = h1 if h1.status == ASSESSED else h2
        base = _total(assessed)
        message = (
            N_("上半年处于培育期，以另一半年得分 %(base)s 全额计")
            if assessed is h1
            else N_("下半年处于培育期，以另一半年得分 %(base)s 全额计")
        )
        lines.insert(0, say(message, ZERO, base=fmt(base)))
    total = scheme.round(max(base - deductions, ZERO))
    return AnnualResult(
        supervision.station,
        ASSESSED,
        h1.total,
        h2.total,
        deductions,
        total,
        grade=scheme.grade(total),
        lines=tuple(lines),
    )


def _total(result: PeriodResult | AnnualResult) -> Decimal:
    """The total of an assessed result, which always has one (the types cannot say so)."""
    if result.total is None:
        raise ValueError(f"{result.station}: {result.status}, without a total")
    return result.total


T = TypeVar("T", PeriodResult, AnnualResult)


def rank(results: Iterable[T]) -> list[T]:
    """Highest total first; equal totals share a rank (1, 2, 2, 4); unassessed stations are not ranked."""
    results = list(results)
    assessed = sorted((r for r in results if r.status == ASSESSED), key=lambda r: (-_total(r), r.station))
    ranked: list[T] = []
    previous: Decimal | None = None
    current = 0
    for position, result in enumerate(assessed, start=1):
        if result.total != previous:
            current, previous = position, result.total
        ranked.append(replace(result, rank=current))
    others = sorted((r for r in results if r.status != ASSESSED), key=lambda r: (r.status, r.station))
    return ranked + others


def explain(result: PeriodResult) -> Sequence[str]:
    """Plain lines of why points were lost, item by item (for the command line)."""
    out = []
    for item in result.items:
        out.append(f"{item.no}. {item.name} {fmt(item.score)}/{fmt(item.max)}")
        out.extend(f"   {line.text}（{fmt(line.points)}）" for line in item.lines if line.points)
    return out
