"""Whether a scheme can be adopted, in the clerk's words: every problem with where it is (a path the editor
maps to its field, e.g. ``items.7.max``, ``targets.1.purchase``, ``targets`` for the bands as a whole)
and a Chinese message. The engine's own parse (:func:`parse_scheme`) checks that the data has its shape;
this checks that it makes sense as an assessment: maxima summing to 100, no sub-item above its item,
no negative deduction, population bands without gap or overlap, grades from 0, weights summing to 1."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cunzhan.assessment.engine.scheme import SchemeError, parse_scheme
from cunzhan.assessment.scheme_table import INTEGRITY, RULE_PARAMS, bands_of, integrity_of, number
from cunzhan.core.money import has_more_places
from cunzhan.supervision.rating_items import ITEMS_BY_KEY

TOTAL = Decimal(100)
PLACES = 2  # a score is kept to 2 places


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


class Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def decimal(self, path: str, value: Any, what: str, *, positive: bool = False) -> Decimal | None:
        """A score or deduction: a number, not negative (or above 0), with at most 2 decimal places."""
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.add(path, _("%(what)s：“%(value)s”不是数字。") % {"what": what, "value": value})
            return None
        if not result.is_finite():
            self.add(path, _("%(what)s：“%(value)s”不是数字。") % {"what": what, "value": value})
            return None
        if result < 0:
            self.add(path, _("%(what)s不能为负数（填的是 %(value)s）。") % {"what": what, "value": number(result)})
            return None
        if positive and result == 0:
            self.add(path, _("%(what)s须大于 0。") % {"what": what})
            return None
        if has_more_places(result, PLACES):  # a scheme is a rule, not an entry: refused, not rounded
            self.add(path, _("%(what)s最多保留两位小数（填的是 %(value)s）。") % {"what": what, "value": result})
            return None
        return result

    def integer(self, path: str, value: Any, what: str, *, minimum: int = 0) -> int | None:
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            result = None
        if result is None or not result.is_finite() or result != result.to_integral_value():
            self.add(path, _("%(what)s须为整数（填的是“%(value)s”）。") % {"what": what, "value": value})
            return None
        if result < minimum:
            self.add(path, _("%(what)s不能小于 %(min)s。") % {"what": what, "min": minimum})
            return None
        return int(result)


def problems_of(data: Any) -> list[Problem]:
    """Every problem of the scheme ``data``; none means it can be adopted."""
    if not isinstance(data, dict):
        return [Problem("", _("方案内容须是一个对象（与系统默认方案同一格式）。"))]
    check = Checker()
    try:
        parse_scheme(data)
    except SchemeError as exc:
        check.add("", str(exc))
    except (TypeError, AttributeError, KeyError, ValueError, IndexError):
        check.add("", _("方案内容的结构不正确：有字段的类型不对（如应为列表或对象），请对照系统默认方案修改。"))
    if check.problems:
        return check.problems  # the rest reads a well-formed scheme
    if not str(data.get("name", "")).strip():
        check.add("name", _("请填写方案名称。"))
    _items(check, data["items"])
    _bands(check, data)
    _grades(check, data["grades"])
    _supervision(check, data.get("supervision", {}))
    _periods(check, data)
    _integrity(check, data)
    return check.problems


def validate_scheme(data: Any) -> None:
    """Raise a ValidationError keyed by path (``""`` for the scheme as a whole) listing every problem."""
    problems = problems_of(data)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.path or "__all__", []).append(problem.message)
        raise ValidationError(errors)


def _items(check: Checker, items: list[dict[str, Any]]) -> None:
    total = Decimal(0)
    for raw in items:
        no = raw["no"]
        where = f"items.{no}"
        item = _("第%(no)s项“%(name)s”") % {"no": no, "name": raw["name"]}
        if not str(raw.get("name", "")).strip():
            check.add(f"{where}.name", _("第%(no)s项须有名称。") % {"no": no})
        maximum = check.decimal(f"{where}.max", raw["max"], _("%(item)s的满分") % {"item": item}, positive=True)
        parts = Decimal(0)
        for sub in raw.get("sub", []):
            sub_max = check.decimal(
                f"{where}.sub.{sub['key']}.max", sub["max"], _("子项“%(name)s”的满分") % {"name": sub["name"]}
            )
            if sub_max is None:
                parts = Decimal("NaN")
                continue
            parts += sub_max
            if maximum is not None and sub_max > maximum:
                check.add(
                    f"{where}.sub.{sub['key']}.max",
                    _("子项“%(sub)s”满分 %(value)s 超过%(item)s的满分 %(max)s。")
                    % {"sub": sub["name"], "value": number(sub_max), "item": item, "max": number(maximum)},
                )
            rating = ITEMS_BY_KEY.get(sub["key"])
            if rating is not None and sub_max > rating.max:
                check.add(
                    f"{where}.sub.{sub['key']}.max",
                    _("子项“%(sub)s”满分 %(value)s 超过实地察看表上该子项的满分 %(max)s，察看时打不到这么高。")
                    % {"sub": sub["name"], "value": number(sub_max), "max": number(rating.max)},
                )
        for param in RULE_PARAMS.get(raw["rule"], ()):
            if param.name not in raw:
                continue
            what = f"{item}：{param.before} … {param.after}"
            path = f"{where}.{param.name}"
            if param.integer:
                check.integer(path, raw[param.name], what, minimum=1 if param.name == "zero_if_failed_tests" else 0)
                continue
            value = check.decimal(path, raw[param.name], what)
            if param.name == "orders_points" and value is not None:
                parts += value
        if maximum is None:
            continue
        total += maximum
        if raw["rule"] in ("rated", "orders", "parcel") and parts.is_finite() and parts != maximum:
            check.add(
                f"{where}.max",
                _("%(item)s各部分满分之和为 %(parts)s，与本项满分 %(max)s 不一致。")
                % {"item": item, "parts": number(parts), "max": number(maximum)},
            )
    if total != TOTAL:
        check.add("items.total", _("各项满分之和须为 100 分，现为 %(total)s 分。") % {"total": number(total)})


def _bands(check: Checker, data: dict[str, Any]) -> None:
    raw = data["targets"]
    if not raw:
        check.add("targets", _("须至少有一个人口段。"))
        return
    known = len(check.problems)
    for index, target in enumerate(raw):
        where = f"targets.{index}"
        for ledger, what in (("purchase", _("代购年目标")), ("sale", _("代销年目标"))):
            check.integer(f"{where}.{ledger}", target[ledger], what, minimum=1)
        least = check.integer(f"{where}.min", target["min_population"], _("人口段下限"))
        if target.get("max_population") is not None and least is not None:
            most = check.integer(f"{where}.max", target["max_population"], _("人口段上限"))
            if most is not None and most < least:
                check.add(f"{where}.max", _("人口段上限 %(max)s 小于下限 %(min)s。") % {"max": most, "min": least})
    if len(check.problems) > known:
        return  # a band's own numbers are wrong: how the bands meet cannot be told
    bands = bands_of(data)
    if bands[0].min != 0:
        check.add(
            "targets",
            _("最低的人口段须从 0 人起（现从 %(min)s 人起，不满 %(min)s 人的村没有目标）。") % {"min": bands[0].min},
        )
    for lower, upper in pairwise(bands):
        if lower.max is None or upper.min <= lower.max:
            check.add(
                "targets",
                _("人口段“%(a)s”与“%(b)s”重叠。") % {"a": lower.label, "b": upper.label},
            )
        elif upper.min > lower.max + 1:
            check.add(
                "targets",
                _("人口段“%(a)s”与“%(b)s”之间缺 %(from)s–%(to)s 人。")
                % {"a": lower.label, "b": upper.label, "from": lower.max + 1, "to": upper.min - 1},
            )
    if bands[-1].max is not None:
        check.add(
            "targets",
            _("最高的人口段须不设上限（现到 %(max)s 人为止，更多人口的村没有目标）。") % {"max": bands[-1].max},
        )


def _grades(check: Checker, grades: list[dict[str, Any]]) -> None:
    names = [str(g.get("name", "")).strip() for g in grades]
    if any(not name for name in names):
        check.add("grades", _("每个等级须有名称。"))
    if len(set(names)) != len(names):
        check.add("grades", _("等级名称重复。"))
    minima = []
    for index, grade in enumerate(grades):
        value = check.decimal(
            f"grades.{index}.min", grade["min"], _("等级“%(name)s”的最低分") % {"name": grade["name"]}
        )
        if value is not None:
            minima.append(value)
            if value > TOTAL:
                check.add(f"grades.{index}.min", _("等级“%(name)s”的最低分超过 100 分。") % {"name": grade["name"]})
    if len(set(minima)) != len(minima):
        check.add("grades", _("两个等级的最低分相同。"))
    if minima and min(minima) != 0:
        check.add("grades", _("须有一个从 0 分起的等级（最低的等级），否则低分的服务站没有等级。"))


def _supervision(check: Checker, points: dict[str, Any]) -> None:
    for key, value in points.items():
        check.decimal(f"supervision.{key}", value, _("日常督查扣分"))


def _periods(check: Checker, data: dict[str, Any]) -> None:
    periods = data["periods"]
    h1 = check.decimal("periods.h1_weight", periods.get("h1_weight", "0.5"), _("半年考核权重"))
    h2 = check.decimal("periods.h2_weight", periods.get("h2_weight", "0.5"), _("年终考核权重"))
    if h1 is not None and h2 is not None and h1 + h2 != 1:
        check.add(
            "periods.h2_weight",
            _("半年考核与年终考核的权重之和须为 1（现为 %(sum)s）。") % {"sum": number(h1 + h2)},
        )
    months = data.get("incubation", {}).get("months", 6)
    value = check.integer("incubation.months", months, _("培育期月数"))
    if value is not None and value > 24:
        check.add("incubation.months", _("培育期月数不能超过 24。"))
    h1_months, h2_months = periods.get("H1"), periods.get("H2")
    if not (1 <= h1_months[0] <= h1_months[1] < h2_months[0] <= h2_months[1] <= 12):
        check.add("periods", _("上半年与下半年的月份须在 1–12 月之内，且先后不重叠。"))


def _integrity(check: Checker, data: dict[str, Any]) -> None:
    values = integrity_of(data)
    for param in INTEGRITY:
        what = _("刷单提示：%(before)s … %(after)s") % {"before": param.before, "after": param.after}
        path = f"integrity.{param.name}"
        if param.integer:
            check.integer(path, values.get(param.name), what, minimum=1)
        else:
            check.decimal(path, values.get(param.name), what, positive=True)
