"""What a scheme would do to a period already published (试算), before the county adopts it.

The published version keeps every station's facts as they were gathered (``AssessmentResult.facts``): the
scheme is run over those frozen facts, not over today's records, so the difference is the scheme's alone.
Nothing is written. Each station's points, grade and rank are set beside the published ones, with the
items that changed and the grade boundaries crossed (60 and 90 in the document)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cunzhan.assessment.computation import period_of
from cunzhan.assessment.engine import (
    Fault,
    PeriodResult,
    Scheme,
    StationFacts,
    SupervisionFacts,
    assess_annual,
    assess_period,
    parse_scheme,
    rank,
)
from cunzhan.assessment.engine.evaluate import ASSESSED
from cunzhan.assessment.models import Assessment, AssessmentResult, PeriodKind
from cunzhan.assessment.selectors import current_published
from cunzhan.core.money import format_score

# -- the frozen facts, read back ---------------------------------------------------------------------


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _fault(data: dict[str, Any]) -> Fault:
    names = {f.name for f in dataclasses.fields(Fault)}
    values = {k: v for k, v in data.items() if k in names}
    for key in ("reported", "repaired"):
        if key in values:
            values[key] = _date(values[key])
    return Fault(**values)


def station_facts(data: dict[str, Any]) -> StationFacts:
    """A station's facts from their JSON (as :func:`cunzhan.assessment.facts.to_json` stored them). Fields a
    later version of the facts added and this snapshot lacks keep their defaults; counts are read as given."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(StationFacts):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "certified":
            value = _date(value)
        elif f.name == "ratings":
            value = {k: None if v is None else Decimal(str(v)) for k, v in value.items()}
        elif f.name == "faults":
            value = tuple(_fault(v) for v in value)
        values[f.name] = value
    return StationFacts(**values)


def supervision_facts(code: str, data: dict[str, Any] | None) -> SupervisionFacts:
    data = data or {}
    return SupervisionFacts(station=code, counts=dict(data.get("counts") or {}), refs=dict(data.get("refs") or {}))


# -- the comparison ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    status: str
    total: Decimal | None
    grade: str
    rank: int | None
    items: dict[int, Decimal]  # item number -> score (H1/H2); empty for the annual composite


@dataclass(frozen=True)
class ItemChange:
    no: int
    name: str
    old: Decimal | None
    new: Decimal | None


@dataclass(frozen=True)
class Crossing:
    """A grade boundary (60, 90) a station's total crosses, upwards or downwards."""

    boundary: Decimal
    up: bool

    def __str__(self) -> str:
        value = f"{self.boundary.normalize():f}"
        return _("升过 %(b)s 分") % {"b": value} if self.up else _("跌破 %(b)s 分") % {"b": value}


@dataclass(frozen=True)
class Row:
    station: str
    name: str
    before: Side
    after: Side
    items: tuple[ItemChange, ...]
    crossings: tuple[Crossing, ...]

    @property
    def delta(self) -> Decimal | None:
        if self.before.total is None or self.after.total is None:
            return None
        return self.after.total - self.before.total

    @property
    def moved(self) -> bool:
        """The station's points (or whether it is assessed at all) change."""
        return self.before.total != self.after.total or self.before.status != self.after.status

    @property
    def rank_change(self) -> int | None:
        if self.before.rank is None or self.after.rank is None:
            return None
        return self.before.rank - self.after.rank  # positive: moves up

    @property
    def grade_changed(self) -> bool:
        return self.before.grade != self.after.grade


@dataclass(frozen=True)
class Comparison:
    assessment: Assessment
    rows: tuple[Row, ...]
    warnings: tuple[str, ...] = ()

    @property
    def moved(self) -> list[Row]:
        return [r for r in self.rows if r.moved]

    @property
    def crossing(self) -> list[Row]:
        return [r for r in self.rows if r.crossings]

    def grade_counts(self) -> list[tuple[str, int, int]]:
        """(grade, stations before, stations after), in the order the grades first appear."""
        names: list[str] = []
        for row in self.rows:
            for grade in (row.before.grade, row.after.grade):
                if grade and grade not in names:
                    names.append(grade)
        return [
            (g, sum(r.before.grade == g for r in self.rows), sum(r.after.grade == g for r in self.rows)) for g in names
        ]


def _boundaries(*schemes: Scheme) -> list[Decimal]:
    return sorted({g.min for s in schemes for g in s.grades if g.min > 0})


def _crossings(before: Decimal | None, after: Decimal | None, boundaries: list[Decimal]) -> tuple[Crossing, ...]:
    if before is None or after is None:
        return ()
    return tuple(Crossing(b, before < b) for b in boundaries if (before < b <= after) or (after < b <= before))


def _published_side(result: AssessmentResult) -> Side:
    items = {int(i["no"]): Decimal(str(i["score"])) for i in result.items or [] if result.status == ASSESSED}
    return Side(result.status, result.total, result.grade or "", result.rank, items)


def _new_side(result: Any) -> Side:
    items = {i.no: i.score for i in getattr(result, "items", ())} if result.status == ASSESSED else {}
    return Side(result.status, result.total, result.grade or "", result.rank, items)


def compare(assessment: Assessment, scheme: Scheme) -> Comparison:
    """Run ``scheme`` over the frozen facts of ``assessment`` (a computed version: normally the published
    one) and set each station's new result beside the stored one."""
    if assessment.period == PeriodKind.ANNUAL:
        return _compare_annual(assessment, scheme)
    stored = list(assessment.results.select_related("station").order_by("station__code"))
    published_scheme = parse_scheme(assessment.scheme.data)
    # the facts were gathered over the published scheme's period: the same span is used for the new one
    period = period_of(published_scheme, assessment.year, assessment.period)
    warnings = []
    if period_of(scheme, assessment.year, assessment.period) != period:
        warnings.append(
            _("新方案的考核期范围与发布时不同；冻结的事实按发布时的范围收集，试算仍按原范围（%(start)s 至 %(end)s）。")
            % {"start": period.start, "end": period.end}
        )
    new = {r.station: r for r in rank(assess_period(scheme, period, station_facts(r.facts)) for r in stored)}
    names = {i.no: i.short for i in scheme.items} | {i.no: i.short for i in published_scheme.items}
    boundaries = _boundaries(scheme, published_scheme)
    rows = []
    for result in stored:
        before, after = _published_side(result), _new_side(new[result.station.code])
        items = tuple(
            ItemChange(no, names.get(no, str(no)), before.items.get(no), after.items.get(no))
            for no in sorted(set(before.items) | set(after.items))
            if before.items.get(no) != after.items.get(no)
        )
        crossings = _crossings(before.total, after.total, boundaries)
        rows.append(Row(result.station.code, result.station.name, before, after, items, crossings))
    return Comparison(assessment, tuple(_ordered(rows)), tuple(warnings))


def _ordered(rows: list[Row]) -> list[Row]:
    """By the new rank (unranked last), as the published table is read."""
    return sorted(rows, key=lambda r: (r.after.rank is None, r.after.rank or 0, r.station))


def _compare_annual(assessment: Assessment, scheme: Scheme) -> Comparison:
    """The annual composite again from both halves' published facts under ``scheme``, with the year's
    daily-supervision events as the published composite counted them."""
    halves: dict[str, dict[str, PeriodResult]] = {}
    for half in ("H1", "H2"):
        published = current_published(assessment.county, assessment.year, half)
        if published is None:
            raise ValidationError(_("该年度的半年考核尚未全部发布，不能试算年度综合考评。"))
        half_scheme = parse_scheme(published.scheme.data)
        period = period_of(half_scheme, assessment.year, half)
        halves[half] = {
            r.station.code: assess_period(scheme, period, station_facts(r.facts))
            for r in published.results.select_related("station")
        }
    stored = list(assessment.results.select_related("station").order_by("station__code"))
    missing = PeriodResult
    new = {
        r.station: r
        for r in rank(
            assess_annual(
                scheme,
                halves["H1"].get(r.station.code) or missing(r.station.code, "incubation"),
                halves["H2"].get(r.station.code) or missing(r.station.code, "incubation"),
                supervision_facts(r.station.code, r.facts),
            )
            for r in stored
        )
    }
    boundaries = _boundaries(scheme, parse_scheme(assessment.scheme.data))
    rows = []
    for result in stored:
        before, after = _published_side(result), _new_side(new[result.station.code])
        rows.append(
            Row(
                result.station.code,
                result.station.name,
                before,
                after,
                (),
                _crossings(before.total, after.total, boundaries),
            )
        )
    return Comparison(assessment, tuple(_ordered(rows)))


def comparable_assessments(county_assessments: Any) -> list[Assessment]:
    """The versions a scheme can be tried against: each period's current published version, newest first."""
    seen: set[tuple[int, str]] = set()
    out = []
    for a in county_assessments.filter(status="published").order_by("-year", "-period", "-version"):
        if (a.year, a.period) not in seen:
            seen.add((a.year, a.period))
            out.append(a)
    return out


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as the API and ``cunzhan assess --compare --json`` give it."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else format_score(value)

    def side(s: Side) -> dict[str, Any]:
        return {
            "status": s.status,
            "total": money(s.total),
            "grade": s.grade or None,
            "rank": s.rank,
            "items": {str(no): money(v) for no, v in s.items.items()},
        }

    a = comparison.assessment
    return {
        "county": a.county_id,
        "year": a.year,
        "period": a.period,
        "published_version": a.version,
        "published_scheme": a.scheme.code + f" v{a.scheme.version}",
        "warnings": list(comparison.warnings),
        "moved": [r.station for r in comparison.moved],
        "crossing": {r.station: [str(c) for c in r.crossings] for r in comparison.crossing},
        "stations": [
            {
                "station": r.station,
                "name": r.name,
                "before": side(r.before),
                "after": side(r.after),
                "delta": money(r.delta),
                "rank_change": r.rank_change,
                "crossings": [str(c) for c in r.crossings],
                "items": [{"no": i.no, "name": i.name, "old": money(i.old), "new": money(i.new)} for i in r.items],
            }
            for r in comparison.rows
        ],
    }


def read_scheme_file(path: str) -> dict[str, Any]:
    """A scheme from a file (TOML as shipped, or JSON as the API gives it), checked whole: a ValidationError
    lists every problem."""
    import json
    import tomllib
    from pathlib import Path

    from cunzhan.assessment.scheme_validation import validate_scheme

    file = Path(path)
    try:
        text = file.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("无法读取方案文件 %(path)s：%(error)s") % {"path": path, "error": exc.strerror}
        ) from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("方案文件 %(path)s 格式不正确：%(error)s") % {"path": path, "error": exc}) from None
    validate_scheme(data)
    return data


def comparison_lines(comparison: Comparison) -> list[str]:
    """The comparison as the command line prints it: the stations that move, then the totals by grade."""
    a = comparison.assessment
    lines = [
        _("%(county)s %(year)s %(period)s 已发布 v%(v)s 的冻结数据试算：%(n)s 个服务站中 %(moved)s 个得分变化")
        % {
            "county": a.county.name,
            "year": a.year,
            "period": a.period,
            "v": a.version,
            "n": len(comparison.rows),
            "moved": len(comparison.moved),
        },
        *comparison.warnings,
    ]
    for r in comparison.moved:
        crossed = "、".join(str(c) for c in r.crossings)
        lines.append(
            f"  {r.station:<16} {r.before.total or '—':>7} → {r.after.total or '—':>7}  "
            f"{r.before.grade or '—'} → {r.after.grade or '—'}  "
            f"{r.before.rank or '—'} → {r.after.rank or '—'}  {crossed}"
        )
    lines.append("  " + "  ".join(f"{g} {b} → {n}" for g, b, n in comparison.grade_counts()))
    return lines
