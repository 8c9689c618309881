"""The scheme as data: parsed from TOML into frozen dataclasses, validated once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cunzhan.core.money import quantize

SCHEMES_DIR = Path(__file__).resolve().parent.parent / "schemes"
RULES = {"rated", "training", "marketing", "reporting", "orders", "parcel"}


class SchemeError(ValueError):
    """A scheme file that cannot be used; the message says where and why (in Chinese)."""


@dataclass(frozen=True)
class SubItem:
    key: str
    name: str
    max: Decimal


@dataclass(frozen=True)
class Item:
    no: int
    name: str
    max: Decimal
    rule: str
    sub: tuple[SubItem, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    short: str = ""  # a column heading (设施设备); the name where a scheme gives none

    def dec(self, name: str) -> Decimal:
        return Decimal(str(self.params[name]))


@dataclass(frozen=True)
class Target:
    min_population: int
    purchase: int
    sale: int


@dataclass(frozen=True)
class Grade:
    name: str
    min: Decimal


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    version: int
    decimals: int
    periods: dict[str, tuple[int, int]]
    year_end_scope: str
    h1_weight: Decimal
    h2_weight: Decimal
    incubation_months: int
    grades: tuple[Grade, ...]
    targets: tuple[Target, ...]
    supervision: dict[str, Decimal]
    items: tuple[Item, ...]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def max_total(self) -> Decimal:
        return sum((i.max for i in self.items), Decimal(0))

    def round(self, value: Decimal) -> Decimal:
        return quantize(value, self.decimals)

    def grade(self, total: Decimal) -> str:
        for grade in self.grades:  # sorted highest first
            if total >= grade.min:
                return grade.name
        return self.grades[-1].name

    def target(self, population: int) -> Target:
        chosen = self.targets[0]
        for band in self.targets:  # sorted by min_population
            if population >= band.min_population:
                chosen = band
        return chosen

    def rated_keys(self) -> list[str]:
        return [s.key for item in self.items for s in item.sub]


def _dec(value: Any, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise SchemeError(f"{where}：“{value}”不是数字") from None
    if not result.is_finite() or result < 0:
        raise SchemeError(f"{where}：须为非负数，得到“{value}”")
    return result


ITEM_KEYS = {"no", "name", "short", "max", "rule", "sub"}


def parse_scheme(data: dict[str, Any]) -> Scheme:
    """Validate a scheme dict (from TOML or a county's stored copy) and build the Scheme."""
    try:
        items = []
        for raw in data["items"]:
            where = f"考核项 {raw.get('no', '?')}"
            if raw["rule"] not in RULES:
                raise SchemeError(f"{where}：未知规则“{raw['rule']}”")
            sub = tuple(
                SubItem(key=s["key"], name=s["name"], max=_dec(s["max"], f"{where} {s['name']}"))
                for s in raw.get("sub", [])
            )
            item = Item(
                no=int(raw["no"]),
                name=raw["name"],
                max=_dec(raw["max"], where),
                rule=raw["rule"],
                sub=sub,
                params={k: v for k, v in raw.items() if k not in ITEM_KEYS},
                short=str(raw.get("short") or raw["name"]),
            )
            items.append(item)
        if len({i.no for i in items}) != len(items):
            raise SchemeError("考核项序号重复")
        keys = [s.key for i in items for s in i.sub]
        if len(set(keys)) != len(keys):
            raise SchemeError("评分子项 key 重复")
        periods = {name: (int(v[0]), int(v[1])) for name, v in data["periods"].items() if name in ("H1", "H2")}
        scope = data["periods"].get("year_end_scope", "second_half")
        if scope not in ("second_half", "full_year"):
            raise SchemeError(f"year_end_scope 只能是 second_half 或 full_year，得到“{scope}”")
        grades = tuple(
            sorted(
                (Grade(g["name"], _dec(g["min"], f"等级 {g['name']}")) for g in data["grades"]),
                key=lambda g: g.min,
                reverse=True,
            )
        )
        targets = tuple(
            sorted(
                (Target(int(t["min_population"]), int(t["purchase"]), int(t["sale"])) for t in data["targets"]),
                key=lambda t: t.min_population,
            )
        )
        return Scheme(
            code=data["code"],
            name=data["name"],
            version=int(data.get("version", 1)),
            decimals=int(data.get("decimals", 2)),
            periods=periods,
            year_end_scope=scope,
            h1_weight=_dec(data["periods"].get("h1_weight", "0.5"), "h1_weight"),
            h2_weight=_dec(data["periods"].get("h2_weight", "0.5"), "h2_weight"),
            incubation_months=int(data.get("incubation", {}).get("months", 6)),
            grades=grades,
            targets=targets,
            supervision={k: _dec(v, f"日常督查 {k}") for k, v in data.get("supervision", {}).items()},
            items=tuple(sorted(items, key=lambda i: i.no)),
            raw=data,
        )
    except KeyError as exc:
        raise SchemeError(f"方案缺少字段 {exc}") from None


def load_scheme(code: str = "jia-2020") -> Scheme:
    path = SCHEMES_DIR / f"{code}.toml"
    with path.open("rb") as fh:
        return parse_scheme(tomllib.load(fh))
