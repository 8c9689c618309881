"""A scheme as the county's own document reads it (佳县办法 第五条): the items with their maxima and the
way each is scored — every sub-item a rating up to its maximum, every deduction with its unit — the
order targets by population band, the grades, the daily-supervision deductions, the periods and the
order-integrity thresholds. The table page, the editor, the difference between two versions and the API
all read a scheme's data (the dict stored in ``SchemeVersion.data``) through this module, so that a
parameter is named the same way everywhere."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunzhan.assessment.engine.scheme import SCHEMES_DIR
from cunzhan.core.money import format_quantity


@dataclass(frozen=True)
class Param:
    """A number of an item's rule, read as a sentence: ``before`` [value] ``after``."""

    name: str
    before: Any  # lazily translated text
    after: Any
    integer: bool = False


# the parameters of each rule type, in the document's order
RULE_PARAMS: dict[str, tuple[Param, ...]] = {
    "rated": (
        Param(
            "zero_if_fault_unrepaired_days",
            gettext_lazy("影响正常运行的故障报修后超过"),
            gettext_lazy("天未修复的，本项不得分"),
            integer=True,
        ),
    ),
    "training": (
        Param("per_leave", gettext_lazy("请假 1 次扣"), gettext_lazy("分")),
        Param("per_absence", gettext_lazy("旷课 1 次扣"), gettext_lazy("分")),
        Param("per_late", gettext_lazy("迟到 1 次扣"), gettext_lazy("分")),
        Param("per_early_leave", gettext_lazy("无故早退 1 次扣"), gettext_lazy("分")),
        Param(
            "zero_if_failed_tests",
            gettext_lazy("现场测试不合格达"),
            gettext_lazy("次的，本项不得分"),
            integer=True,
        ),
    ),
    "marketing": (
        Param("per_missed_activity", gettext_lazy("缺少 1 次应参加的活动扣"), gettext_lazy("分")),
        Param("per_missed_data_report", gettext_lazy("漏报 1 次活动数据扣"), gettext_lazy("分")),
    ),
    "reporting": (
        Param("per_late", gettext_lazy("统计报表迟报 1 次扣"), gettext_lazy("分")),
        Param("per_missed", gettext_lazy("统计报表漏报 1 次扣"), gettext_lazy("分")),
    ),
    "orders": (
        Param(
            "orders_points",
            gettext_lazy("年交易单数达到人口段目标（见下表）的得"),
            gettext_lazy("分，不达的按实际完成单数比例打分"),
        ),
    ),
    "parcel": (Param("per_complaint", gettext_lazy("因服务不到位每投诉 1 件扣"), gettext_lazy("分，直至本项扣完")),),
}

SUPERVISION = (
    ("not_cooperating", gettext_lazy("不配合日常督查，每次扣")),
    ("poor_performance", gettext_lazy("督查中发现各项工作较差，每次扣")),
    ("public_report", gettext_lazy("经核实的群众举报，每次扣")),
    ("leader_criticism_or_media", gettext_lazy("受到县级以上领导批评或媒体曝光，每次扣")),
)

INTEGRITY = (
    Param("burst_minutes", gettext_lazy("同一日期的订单在"), gettext_lazy("分钟内登记"), integer=True),
    Param("burst_orders", gettext_lazy("达到"), gettext_lazy("单的，提示“集中登记”"), integer=True),
    Param(
        "repeat_min_orders",
        gettext_lazy("同一顾客（代销为同一农户）或同一金额本期达到"),
        gettext_lazy("单"),
        integer=True,
    ),
    Param(
        "repeat_factor",
        gettext_lazy("且为本站其他回头客（重复出现的金额）平均单数的"),
        gettext_lazy("倍以上的，提示“重复”"),
    ),
    Param("end_days", gettext_lazy("考核期最后"), gettext_lazy("天内"), integer=True),
    Param("end_min_orders", gettext_lazy("日期在其中的订单达到"), gettext_lazy("单"), integer=True),
    Param("end_factor", gettext_lazy("且日均为本期其余日子的"), gettext_lazy("倍以上的，提示“期末突击”")),
    Param("backdate_days", gettext_lazy("登记时间比订单日期晚"), gettext_lazy("天以上"), integer=True),
    Param("backdate_min_orders", gettext_lazy("且同一天补登达到"), gettext_lazy("单的，提示“批量补登”"), integer=True),
    Param("volume_min_orders", gettext_lazy("本期订单达到"), gettext_lazy("单"), integer=True),
    Param("volume_history_factor", gettext_lazy("且为本站此前 12 个月月均的"), gettext_lazy("倍以上")),
    Param(
        "volume_median_factor",
        gettext_lazy("并为全县同人口段服务站中位数的"),
        gettext_lazy("倍以上的，提示“单量异常”"),
    ),
)
INTEGRITY_NAMES = tuple(p.name for p in INTEGRITY)
# the thresholds of one kind of flag read as one sentence
INTEGRITY_SENTENCES = (
    ("burst_minutes", "burst_orders"),
    ("repeat_min_orders", "repeat_factor"),
    ("end_days", "end_min_orders", "end_factor"),
    ("backdate_days", "backdate_min_orders"),
    ("volume_min_orders", "volume_history_factor", "volume_median_factor"),
)

SCOPES = {
    "second_half": gettext_lazy("年终考核只计下半年的记录"),
    "full_year": gettext_lazy("年终考核计全年的记录"),
}
ORDERS_LEDGER = {"purchase": gettext_lazy("代购"), "sale": gettext_lazy("代销")}


@cache
def shipped_integrity() -> dict[str, Any]:
    """The shipped thresholds (jia-2020.toml), for a county's scheme copied before they existed."""
    with (SCHEMES_DIR / "jia-2020.toml").open("rb") as handle:
        return dict(tomllib.load(handle)["integrity"])


def integrity_of(data: dict[str, Any]) -> dict[str, Any]:
    """A scheme's order-integrity thresholds, the shipped ones filling any it lacks."""
    own = data.get("integrity")
    return {**shipped_integrity(), **(own if isinstance(own, dict) else {})}


def number(value: Any) -> str:
    """A scheme's number as the document prints it (5, 0.5, 1.5), or the value as given."""
    try:
        return format_quantity(Decimal(str(value)), 4)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


# -- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamRow:
    name: str
    before: str
    after: str
    value: Any

    @property
    def text(self) -> str:
        return f"{self.before} {number(self.value)} {self.after}"


@dataclass(frozen=True)
class SubRow:
    key: str
    name: str
    max: Any


@dataclass(frozen=True)
class ItemRow:
    no: int
    name: str
    short: str
    max: Any
    rule: str
    subs: tuple[SubRow, ...] = ()
    params: tuple[ParamRow, ...] = ()
    ledger: str = ""  # the orders rule's ledger, as read (代购 / 代销)


@dataclass(frozen=True)
class BandRow:
    min: int
    max: int | None
    purchase: Any
    sale: Any

    @property
    def label(self) -> str:
        if self.max is None:
            return _("%(min)s 人及以上") % {"min": self.min}
        return _("%(min)s–%(max)s 人") % {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class GradeRow:
    name: str
    min: Any
    upper: Any | None  # the next grade's minimum (scores below it)


@dataclass(frozen=True)
class SchemeTable:
    name: str
    items: tuple[ItemRow, ...]
    bands: tuple[BandRow, ...]
    grades: tuple[GradeRow, ...]
    supervision: tuple[ParamRow, ...]
    periods: tuple[tuple[str, str, str], ...]  # (key, label, value)
    integrity: tuple[ParamRow, ...]
    total: Any = field(default=None)

    def integrity_sentences(self) -> list[list[ParamRow]]:
        by_name = {row.name: row for row in self.integrity}
        return [[by_name[name] for name in names if name in by_name] for names in INTEGRITY_SENTENCES]


def bands_of(data: dict[str, Any]) -> list[BandRow]:
    """The population bands, lowest first, each with its upper limit: the one stored, else one less than
    the next band's lower limit (a scheme stored before the limits were)."""
    raw = sorted(
        (t for t in data.get("targets", []) if isinstance(t, dict)), key=lambda t: _int(t.get("min_population"))
    )
    bands = []
    for i, t in enumerate(raw):
        upper = t.get("max_population")
        if upper is None and i + 1 < len(raw):
            upper = _int(raw[i + 1].get("min_population")) - 1
        bands.append(
            BandRow(
                _int(t.get("min_population")), None if upper is None else _int(upper), t.get("purchase"), t.get("sale")
            )
        )
    return bands


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def item_rows(data: dict[str, Any]) -> list[ItemRow]:
    rows = []
    for raw in sorted((i for i in data.get("items", []) if isinstance(i, dict)), key=lambda i: _int(i.get("no"))):
        rule = str(raw.get("rule", ""))
        params = tuple(
            ParamRow(p.name, str(p.before), str(p.after), raw[p.name])
            for p in RULE_PARAMS.get(rule, ())
            if p.name in raw
        )
        subs = tuple(
            SubRow(str(s.get("key", "")), str(s.get("name", "")), s.get("max"))
            for s in raw.get("sub", [])
            if isinstance(s, dict)
        )
        ledger = str(ORDERS_LEDGER.get(raw.get("orders", ""), "")) if rule == "orders" else ""
        rows.append(
            ItemRow(
                no=_int(raw.get("no")),
                name=str(raw.get("name", "")),
                short=str(raw.get("short") or raw.get("name", "")),
                max=raw.get("max"),
                rule=rule,
                subs=subs,
                params=params,
                ledger=ledger,
            )
        )
    return rows


def grade_rows(data: dict[str, Any]) -> list[GradeRow]:
    grades = sorted(
        (g for g in data.get("grades", []) if isinstance(g, dict)), key=lambda g: _decimal(g.get("min")), reverse=True
    )
    return [
        GradeRow(str(g.get("name", "")), g.get("min"), grades[i - 1].get("min") if i else None)
        for i, g in enumerate(grades)
    ]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def supervision_rows(data: dict[str, Any]) -> list[ParamRow]:
    points = _section(data, "supervision")
    return [ParamRow(key, str(label), _("分"), points.get(key)) for key, label in SUPERVISION if key in points]


def integrity_rows(data: dict[str, Any]) -> list[ParamRow]:
    values = integrity_of(data)
    return [ParamRow(p.name, str(p.before), str(p.after), values.get(p.name)) for p in INTEGRITY]


def period_rows(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, value) of the periods, the composite's weights and the incubation."""
    periods, incubation = _section(data, "periods"), _section(data, "incubation")

    def months(key: str) -> str:
        value = periods.get(key)
        if isinstance(value, list | tuple) and len(value) == 2:
            return _("%(first)s–%(last)s 月") % {"first": value[0], "last": value[1]}
        return "—"

    scope = periods.get("year_end_scope", "second_half")
    return [
        ("H1", _("半年考核（上半年）"), months("H1")),
        ("H2", _("年终考核（下半年）"), months("H2")),
        ("year_end_scope", _("年终考核的记录范围"), str(SCOPES.get(scope, scope))),
        ("h1_weight", _("半年考核权重"), number(periods.get("h1_weight", "0.5"))),
        ("h2_weight", _("年终考核权重"), number(periods.get("h2_weight", "0.5"))),
        ("incubation", _("培育期（认定后不满几个月不参加考核）"), _("%(n)s 个月") % {"n": incubation.get("months", 6)}),
    ]


def scheme_table(data: dict[str, Any]) -> SchemeTable:
    items = item_rows(data)
    return SchemeTable(
        name=str(data.get("name", "")),
        items=tuple(items),
        bands=tuple(bands_of(data)),
        grades=tuple(grade_rows(data)),
        supervision=tuple(supervision_rows(data)),
        periods=tuple(period_rows(data)),
        integrity=tuple(integrity_rows(data)),
        total=sum((_decimal(i.max) for i in items), Decimal(0)),
    )


# -- the difference between two versions -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One parameter that differs: its name as read, and its value before and after (None: not there)."""

    key: str
    label: str
    old: str | None
    new: str | None


def flatten(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every parameter of a scheme by a stable key: (its name as read, its value as printed)."""
    out: dict[str, tuple[str, str]] = {"name": (_("方案名称"), str(data.get("name", "")))}
    for item in item_rows(data):
        head = _("第%(no)s项 %(name)s") % {"no": item.no, "name": item.name}
        where = f"items.{item.no}"
        out[f"{where}.name"] = (_("第%(no)s项 名称") % {"no": item.no}, item.name)
        out[f"{where}.short"] = (_("%(item)s · 简称") % {"item": head}, item.short)
        out[f"{where}.max"] = (_("%(item)s · 满分") % {"item": head}, number(item.max))
        for sub in item.subs:
            out[f"{where}.sub.{sub.key}.name"] = (_("%(item)s · 子项名称") % {"item": head}, sub.name)
            out[f"{where}.sub.{sub.key}.max"] = (
                _("%(item)s · “%(sub)s”满分") % {"item": head, "sub": sub.name},
                number(sub.max),
            )
        for param in item.params:
            out[f"{where}.{param.name}"] = (f"{head} · {param.before} … {param.after}", number(param.value))
    for band in bands_of(data):
        where = f"targets.{band.min}"
        out[f"{where}.max"] = (_("服务人口 %(min)s 人起的人口段 · 上限") % {"min": band.min}, _band_max(band.max))
        out[f"{where}.purchase"] = (
            _("服务人口 %(band)s · 代购年目标（单）") % {"band": band.label},
            number(band.purchase),
        )
        out[f"{where}.sale"] = (_("服务人口 %(band)s · 代销年目标（单）") % {"band": band.label}, number(band.sale))
    for grade in grade_rows(data):
        out[f"grades.{grade.name}"] = (_("等级“%(name)s” · 最低分") % {"name": grade.name}, number(grade.min))
    for row in supervision_rows(data):
        out[f"supervision.{row.name}"] = (_("日常督查 · %(what)s（分）") % {"what": row.before}, number(row.value))
    for key, label, value in period_rows(data):
        out[f"periods.{key}"] = (label, value)
    for row in integrity_rows(data):
        label = _("刷单提示 · %(before)s … %(after)s") % {"before": row.before, "after": row.after}
        out[f"integrity.{row.name}"] = (label, number(row.value))
    return out


def _band_max(value: int | None) -> str:
    return _("不设上限") if value is None else str(value)


def scheme_diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What differs between two versions, parameter by parameter (old → new), in the new one's order and
    then what only the old one had."""
    before, after = flatten(old), flatten(new)
    changes = []
    for key, (label, value) in after.items():
        was = before.get(key)
        if was is None:
            changes.append(Change(key, label, None, value))
        elif was[1] != value:
            changes.append(Change(key, label, was[1], value))
    for key, (label, value) in before.items():
        if key not in after:
            changes.append(Change(key, label, value, None))
    return changes
