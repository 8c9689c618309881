"""One small class per rule type: ``evaluate(item, facts, context) -> ItemResult``, explaining itself.

Each item and sub-item is floored at 0 and capped at its maximum; the item score is rounded by the
scheme (2 places, ROUND_HALF_UP). Lines carry the points lost (negative) or the points earned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

# Marks a message for translation (makemessages reads it); the engine stores the Chinese text and the
# message, and a page translates the message when it shows the line
from django.utils.translation import gettext_noop as N_

from cunzhan.assessment.engine.facts import Period, Ref, StationFacts
from cunzhan.assessment.engine.scheme import Item, Scheme
from cunzhan.core.dates import SHANGHAI

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # Chinese, for the keeper and the office (as stored, printed and exported)
    points: Decimal  # points lost (negative) or earned (positive) by this line; 0 for information
    refs: tuple[Ref, ...] = ()  # the records that produced it
    # the text's message, marked for translation, and its arguments: a page in another language shows
    # gettext(message) % args (cunzhan.assessment.links.line_text); the text is message % args
    message: str = ""
    args: tuple[tuple[str, str], ...] = ()


def say(message: str, points: Decimal, refs: Iterable[Ref] = (), **args: object) -> Line:
    """A line from its message (a ``N_``-marked literal with ``%(name)s`` placeholders) and arguments."""
    shown = {name: str(value) for name, value in args.items()}
    return Line(message % shown, points, tuple(refs), message, tuple(sorted(shown.items())))


@dataclass(frozen=True, slots=True)
class ItemResult:
    no: int
    name: str
    max: Decimal
    score: Decimal
    lines: tuple[Line, ...] = ()
    missing: tuple[str, ...] = ()  # rated sub-items with no rating yet

    @property
    def lost(self) -> Decimal:
        return self.max - self.score


@dataclass(frozen=True)
class Context:
    scheme: Scheme
    period: Period


def clamp(value: Decimal, maximum: Decimal) -> Decimal:
    return min(max(value, ZERO), maximum)


def fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


class Builder:
    """Collects an item's lines while a rule evaluates it."""

    __slots__ = ("item", "lines", "missing")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.lines: list[Line] = []
        self.missing: list[str] = []

    def add(self, message: str, points: Decimal, refs: Iterable[Ref] = (), **args: object) -> None:
        self.lines.append(say(message, points, refs, **args))

    def rated(self, facts: StationFacts) -> Decimal:
        """Sum of the rated sub-items, each within [0, its max]; missing ones are noted."""
        total = ZERO
        for sub in self.item.sub:
            value = facts.ratings.get(sub.key)
            if value is None:
                self.missing.append(sub.key)
                self.add(N_("“%(name)s”尚未评分"), ZERO, name=sub.name)
                continue
            value = clamp(Decimal(value), sub.max)
            total += value
            if value < sub.max:
                self.add(
                    N_("“%(name)s”实地察看评分 %(value)s/%(max)s"),
                    value - sub.max,
                    facts.refs.get(f"rating:{sub.key}", []),
                    name=sub.name,
                    value=fmt(value),
                    max=fmt(sub.max),
                )
        return total

    def result(self, score: Decimal, scheme: Scheme) -> ItemResult:
        return ItemResult(
            no=self.item.no,
            name=self.item.name,
            max=self.item.max,
            score=scheme.round(clamp(score, self.item.max)),
            lines=tuple(self.lines),
            missing=tuple(self.missing),
        )


class Rule:
    name: ClassVar[str]

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        raise NotImplementedError


class Rated(Rule):
    """Items 1, 2, 3, 10: the sum of inspection ratings. Item 1 is 0 in every period that contains any
    moment of a fault's overdue span: from N days after its report, when still unrepaired then, until
    its repair (DOMAIN.md, "Decided edge cases")."""

    name = "rated"

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        b = Builder(item)
        score = b.rated(facts)
        days = item.params.get("zero_if_fault_unrepaired_days")
        if days is not None:
            overdue = [f for f in facts.faults if f.stopped_operation and f.overdue_within(int(days), ctx.period)]
            if overdue:
                fault = min(overdue, key=lambda f: f.reported)
                refs = [f.ref for f in sorted(overdue, key=lambda f: f.reported) if f.ref]
                reported = _local(fault.reported)
                if fault.repaired is not None:
                    message = N_(
                        "%(reported)s 报修的故障影响正常运行，%(repaired)s 才修复（超过 %(days)s 天），本项不得分"
                    )
                    b.add(message, -score, refs, reported=reported, repaired=_local(fault.repaired), days=days)
                else:
                    message = N_("%(reported)s 报修的故障影响正常运行，期末仍未修复（超过 %(days)s 天），本项不得分")
                    b.add(message, -score, refs, reported=reported, days=days)
                score = ZERO
        return b.result(score, ctx.scheme)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


class Training(Rule):
    """Item 4: max − leave − 2×absence − 0.5×late − early leave; 0 after two failed tests."""

    name = "training"

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        b = Builder(item)
        score = item.max
        failed_limit = int(item.params["zero_if_failed_tests"])
        for count, per, message, key in (
            (facts.leave, item.dec("per_leave"), N_("培训请假 %(count)s 次，每次扣 %(per)s 分"), "leave"),
            (facts.absent, item.dec("per_absence"), N_("培训旷课 %(count)s 次，每次扣 %(per)s 分"), "absent"),
            (facts.late, item.dec("per_late"), N_("培训迟到 %(count)s 次，每次扣 %(per)s 分"), "late"),
            (
                facts.early_leave,
                item.dec("per_early_leave"),
                N_("培训无故早退 %(count)s 次，每次扣 %(per)s 分"),
                "early_leave",
            ),
        ):
            if count:
                lost = per * count
                b.add(message, -lost, facts.refs.get(key, []), count=count, per=fmt(per))
                score -= lost
        if facts.failed_tests >= failed_limit:
            b.add(
                N_("现场测试不合格 %(count)s 次（达 %(limit)s 次），本项不得分"),
                -max(score, ZERO),
                facts.refs.get("failed_tests", []),
                count=facts.failed_tests,
                limit=failed_limit,
            )
            score = ZERO
        elif facts.failed_tests:
            b.add(
                N_("现场测试不合格 %(count)s 次（未达 %(limit)s 次，不扣分）"),
                ZERO,
                facts.refs.get("failed_tests", []),
                count=facts.failed_tests,
                limit=failed_limit,
            )
        return b.result(score, ctx.scheme)


class Marketing(Rule):
    name = "marketing"

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        b = Builder(item)
        score = item.max
        for count, per, message, key in (
            (
                facts.missed_activities,
                item.dec("per_missed_activity"),
                N_("缺少应参加的营销活动 %(count)s 次，每次扣 %(per)s 分"),
                "missed_activities",
            ),
            (
                facts.missed_activity_reports,
                item.dec("per_missed_data_report"),
                N_("漏报活动数据 %(count)s 次，每次扣 %(per)s 分"),
                "missed_activity_reports",
            ),
        ):
            if count:
                b.add(message, -(per * count), facts.refs.get(key, []), count=count, per=fmt(per))
                score -= per * count
        return b.result(score, ctx.scheme)


class Reporting(Rule):
    name = "reporting"

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        b = Builder(item)
        score = item.max
        for count, per, message, key in (
            (
                facts.late_reports,
                item.dec("per_late"),
                N_("统计报表迟报 %(count)s 次，每次扣 %(per)s 分"),
                "late_reports",
            ),
            (
                facts.missed_reports,
                item.dec("per_missed"),
                N_("统计报表漏报 %(count)s 次，每次扣 %(per)s 分"),
                "missed_reports",
            ),
        ):
            if count:
                b.add(message, -(per * count), facts.refs.get(key, []), count=count, per=fmt(per))
                score -= per * count
        return b.result(score, ctx.scheme)


ORDER_MESSAGES = {  # (ledger, short of the target)
    ("purchase", True): N_(
        "代购 %(orders)s 单，服务人口 %(population)s 人对应年目标 %(annual)s 单，"
        "本期 %(months)s 个月目标 %(target)s 单，得 %(earned)s/%(full)s 分"
    ),
    ("purchase", False): N_(
        "代购 %(orders)s 单，服务人口 %(population)s 人对应年目标 %(annual)s 单，"
        "本期 %(months)s 个月目标 %(target)s 单，已达标"
    ),
    ("sale", True): N_(
        "代销（含协助经县公共服务中心/展销中心销售） %(orders)s 单，"
        "服务人口 %(population)s 人对应年目标 %(annual)s 单，本期 %(months)s 个月目标 %(target)s 单，"
        "得 %(earned)s/%(full)s 分"
    ),
    ("sale", False): N_(
        "代销（含协助经县公共服务中心/展销中心销售） %(orders)s 单，"
        "服务人口 %(population)s 人对应年目标 %(annual)s 单，本期 %(months)s 个月目标 %(target)s 单，已达标"
    ),
}


class Orders(Rule):
    """Items 7 and 8: points × min(1, orders / pro-rated target) plus the rated ledger."""

    name = "orders"

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        b = Builder(item)
        kind = item.params["orders"]
        band = ctx.scheme.target(facts.population)
        annual = band.purchase if kind == "purchase" else band.sale
        target = Decimal(annual) * Decimal(ctx.period.months) / Decimal(12)
        orders = facts.purchase_orders if kind == "purchase" else facts.sale_orders
        points = item.dec("orders_points")
        earned = points if target <= 0 else points * min(Decimal(1), Decimal(orders) / target)
        earned = ctx.scheme.round(earned)
        b.add(
            ORDER_MESSAGES[kind, earned < points],
            earned - points,
            facts.refs.get(f"{kind}_orders", []),
            orders=orders,
            population=facts.population,
            annual=annual,
            months=ctx.period.months,
            target=fmt(ctx.scheme.round(target)),
            earned=fmt(earned),
            full=fmt(points),
        )
        score = earned + b.rated(facts)
        return b.result(score, ctx.scheme)


class Parcel(Rule):
    """Item 9: ratings, then −1 per verified parcel complaint, which may eat the whole item."""

    name = "parcel"

    def evaluate(self, item: Item, facts: StationFacts, ctx: Context) -> ItemResult:
        b = Builder(item)
        score = b.rated(facts)
        if facts.parcel_complaints:
            per = item.dec("per_complaint")
            lost = min(per * facts.parcel_complaints, max(score, ZERO))
            b.add(
                N_("经核实的快递服务投诉 %(count)s 件，每件扣 %(per)s 分（直至本项扣完）"),
                -lost,
                facts.refs.get("parcel_complaints", []),
                count=facts.parcel_complaints,
                per=fmt(per),
            )
            score -= per * facts.parcel_complaints
        return b.result(score, ctx.scheme)


RULE_TYPES: dict[str, Rule] = {
    rule.name: rule for rule in (Rated(), Training(), Marketing(), Reporting(), Orders(), Parcel())
}
