"""One small class per rule type: ``evaluate(item, facts, context) -> ItemResult``, explaining itself.

Each item and sub-item is floored at 0 and capped at its maximum; the item score is rounded by the
scheme (2 places, ROUND_HALF_UP). Lines carry the points lost (negative) or the points earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from cunzhan.assessment.engine.facts import Period, StationFacts
from cunzhan.assessment.engine.scheme import Item, Scheme

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # Chinese, for the keeper and the office
    points: Decimal  # points lost (negative) or earned (positive) by this line; 0 for information
    refs: tuple[str, ...] = ()


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

    def add(self, text: str, points: Decimal, refs: list[str] | tuple[str, ...] = ()) -> None:
        self.lines.append(Line(text, points, tuple(refs)))

    def rated(self, facts: StationFacts) -> Decimal:
        """Sum of the rated sub-items, each within [0, its max]; missing ones are noted."""
        total = ZERO
        for sub in self.item.sub:
            value = facts.ratings.get(sub.key)
            if value is None:
                self.missing.append(sub.key)
                self.add(f"“{sub.name}”尚未评分", ZERO)
                continue
            value = clamp(Decimal(value), sub.max)
            total += value
            if value < sub.max:
                self.add(
                    f"“{sub.name}”实地察看评分 {fmt(value)}/{fmt(sub.max)}",
                    value - sub.max,
                    facts.refs.get(f"rating:{sub.key}", []),
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
    """Items 1, 2, 3, 10: the sum of inspection ratings; item 1 is 0 after a long unrepaired fault."""

    name = "rated"

    def evaluate(self, item, facts, ctx):
        b = Builder(item)
        score = b.rated(facts)
        days = item.params.get("zero_if_fault_unrepaired_days")
        if days is not None:
            for fault in facts.faults:
                if not fault.stopped_operation or fault.reported > ctx.period.end:
                    continue
                until = min(fault.repaired or ctx.period.end, ctx.period.end)
                waited = (until - fault.reported).days
                if waited > int(days):
                    state = f"{fault.repaired:%Y-%m-%d} 才修复" if fault.repaired else "期末仍未修复"
                    b.add(
                        f"{fault.reported:%Y-%m-%d} 报修的故障影响正常运行，{state}（超过 {days} 天），本项不得分",
                        -score,
                        [fault.ref] if fault.ref else [],
                    )
                    score = ZERO
                    break
        return b.result(score, ctx.scheme)


class Training(Rule):
    """Item 4: max − leave − 2×absence − 0.5×late − early leave; 0 after two failed tests."""

    name = "training"

    def evaluate(self, item, facts, ctx):
        b = Builder(item)
        score = item.max
        failed_limit = int(item.params["zero_if_failed_tests"])
        for count, per, label, key in (
            (facts.leave, item.dec("per_leave"), "请假", "leave"),
            (facts.absent, item.dec("per_absence"), "旷课", "absent"),
            (facts.late, item.dec("per_late"), "迟到", "late"),
            (facts.early_leave, item.dec("per_early_leave"), "无故早退", "early_leave"),
        ):
            if count:
                lost = per * count
                b.add(f"培训{label} {count} 次，每次扣 {fmt(per)} 分", -lost, facts.refs.get(key, []))
                score -= lost
        if facts.failed_tests >= failed_limit:
            b.add(
                f"现场测试不合格 {facts.failed_tests} 次（达 {failed_limit} 次），本项不得分",
                -max(score, ZERO),
                facts.refs.get("failed_tests", []),
            )
            score = ZERO
        elif facts.failed_tests:
            b.add(
                f"现场测试不合格 {facts.failed_tests} 次（未达 {failed_limit} 次，不扣分）",
                ZERO,
                facts.refs.get("failed_tests", []),
            )
        return b.result(score, ctx.scheme)


class Marketing(Rule):
    name = "marketing"

    def evaluate(self, item, facts, ctx):
        b = Builder(item)
        score = item.max
        for count, per, label, key in (
            (
                facts.missed_activities,
                item.dec("per_missed_activity"),
                "缺少应参加的营销活动",
                "missed_activities",
            ),
            (
                facts.missed_activity_reports,
                item.dec("per_missed_data_report"),
                "漏报活动数据",
                "missed_activity_reports",
            ),
        ):
            if count:
                b.add(f"{label} {count} 次，每次扣 {fmt(per)} 分", -(per * count), facts.refs.get(key, []))
                score -= per * count
        return b.result(score, ctx.scheme)


class Reporting(Rule):
    name = "reporting"

    def evaluate(self, item, facts, ctx):
        b = Builder(item)
        score = item.max
        for count, per, label, key in (
            (facts.late_reports, item.dec("per_late"), "迟报", "late_reports"),
            (facts.missed_reports, item.dec("per_missed"), "漏报", "missed_reports"),
        ):
            if count:
                b.add(
                    f"统计报表{label} {count} 次，每次扣 {fmt(per)} 分",
                    -(per * count),
                    facts.refs.get(key, []),
                )
                score -= per * count
        return b.result(score, ctx.scheme)


class Orders(Rule):
    """Items 7 and 8: points × min(1, orders / pro-rated target) plus the rated ledger."""

    name = "orders"

    def evaluate(self, item, facts, ctx):
        b = Builder(item)
        kind = item.params["orders"]
        band = ctx.scheme.target(facts.population)
        annual = band.purchase if kind == "purchase" else band.sale
        target = Decimal(annual) * Decimal(ctx.period.months) / Decimal(12)
        orders = facts.purchase_orders if kind == "purchase" else facts.sale_orders
        points = item.dec("orders_points")
        earned = points if target <= 0 else points * min(Decimal(1), Decimal(orders) / target)
        earned = ctx.scheme.round(earned)
        label = "代购" if kind == "purchase" else "代销（含协助经县公共服务中心/展销中心销售）"
        text = (
            f"{label} {orders} 单，服务人口 {facts.population} 人对应年目标 {annual} 单，"
            f"本期 {ctx.period.months} 个月目标 {fmt(ctx.scheme.round(target))} 单"
        )
        b.add(
            text + (f"，得 {fmt(earned)}/{fmt(points)} 分" if earned < points else "，已达标"),
            earned - points,
            facts.refs.get(f"{kind}_orders", []),
        )
        score = earned + b.rated(facts)
        return b.result(score, ctx.scheme)


class Parcel(Rule):
    """Item 9: ratings, then −1 per verified parcel complaint, which may eat the whole item."""

    name = "parcel"

    def evaluate(self, item, facts, ctx):
        b = Builder(item)
        score = b.rated(facts)
        if facts.parcel_complaints:
            per = item.dec("per_complaint")
            lost = min(per * facts.parcel_complaints, max(score, ZERO))
            b.add(
                f"经核实的快递服务投诉 {facts.parcel_complaints} 件，每件扣 {fmt(per)} 分（直至本项扣完）",
                -lost,
                facts.refs.get("parcel_complaints", []),
            )
            score -= per * facts.parcel_complaints
        return b.result(score, ctx.scheme)


RULE_TYPES: dict[str, Rule] = {
    rule.name: rule for rule in (Rated(), Training(), Marketing(), Reporting(), Orders(), Parcel())
}
