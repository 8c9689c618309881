"""What every history import shares: the rows of a file, the checks made on their cells, and the shape of
an importer (one per record kind, in :mod:`cunzhan.onboarding.kinds`).

An importer reads every row first (:meth:`HistoryImporter.plan`), putting each problem it finds on
:attr:`Check.errors` with its row and column; only a file without any is written, one row after the other
through the apps' own services (:meth:`HistoryImporter.save`), whose refusals are collected the same way.
A row the database already holds (the same report submitted at the same time, the same inspection …) is
counted as present and skipped, so importing a file again changes nothing; a row that contradicts what is
held is an error: a history import adds, it never changes what was recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.import_templates import ReferenceList, TemplateColumn
from cunzhan.core.models import PublishedPeriod
from cunzhan.core.periods import Period, period_of
from cunzhan.core.tabular import CellError
from cunzhan.ledgers.parsing import CellInvalid, parse_bool, parse_date, parse_datetime, parse_text
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station

COL_STATION = "站点编码"
YES_NO = "是/否"
TEMPLATE_STATIONS = 5000  # listed on a template's 参考 sheet (a county has a few hundred)


def chinese(label: Any) -> str:
    """A lazily translated label as the template and the file say it: in Chinese, whatever the page's language."""
    with translation.override("zh-hans"):
        return str(label)


def shown(moment: datetime) -> str:
    return f"{timezone.localtime(moment, SHANGHAI):%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Row:
    """A data row of the file: its line as the spreadsheet numbers it, its cells by header."""

    line: int
    cells: dict[str, Any]

    def raw(self, column: str) -> Any:
        return self.cells.get(column)

    def text(self, column: str) -> str:
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


@dataclass
class Check:
    """What the checks of one import compare against (the acting user, the county, the clock, the county's
    stations and published periods) and where they put what they find."""

    acting_user: User
    county: Region
    now: datetime = field(default_factory=timezone.now)
    errors: list[CellError] = field(default_factory=list)
    present: int = 0  # rows already held: skipped
    _stations: dict[str, Station] | None = None
    _published: set[tuple[int, str]] | None = None

    @property
    def today(self) -> date:
        return timezone.localtime(self.now, SHANGHAI).date()

    def error(self, row: Row, column: str, message: str) -> None:
        self.errors.append(CellError(row.line, column, message))

    @property
    def stations(self) -> dict[str, Station]:
        """The county's stations in the user's scope, by code."""
        if self._stations is None:
            stations = Station.objects.filter(county_code=self.county.code).select_related("region")
            self._stations = {s.code: s for s in self.acting_user.scope.filter(stations)}
        return self._stations

    def station(self, row: Row, column: str = COL_STATION) -> Station | None:
        code = row.text(column)
        if not code:
            self.error(row, column, _("必填"))
            return None
        station = self.stations.get(code)
        if station is None:
            self.error(
                row,
                column,
                _("服务站“%(code)s”不存在或不是%(county)s的服务站") % {"code": code, "county": self.county.name},
            )
        return station

    def _parsed(self, row: Row, column: str, parse: Any) -> Any:
        try:
            return parse()
        except CellInvalid as exc:
            self.error(row, column, exc.message)
            return None

    def moment(self, row: Row, column: str, *, required: bool = True) -> datetime | None:
        """A date and time (Beijing time), not in the future."""
        if not required and not row.text(column):
            return None
        return self._parsed(row, column, lambda: parse_datetime(row.raw(column), now=self.now))

    def day(self, row: Row, column: str, *, required: bool = True) -> date | None:
        """A date, not after today."""
        if not required and not row.text(column):
            return None
        return self._parsed(row, column, lambda: parse_date(row.raw(column), today=self.today))

    def flag(self, row: Row, column: str, *, required: bool = False, default: bool = False) -> bool | None:
        if required and not row.text(column):
            self.error(row, column, _("必填，请填“是”或“否”"))
            return None
        return self._parsed(row, column, lambda: parse_bool(row.raw(column), default=default))

    def words(self, row: Row, column: str, *, max_length: int, required: bool = True) -> str | None:
        return self._parsed(row, column, lambda: parse_text(row.raw(column), max_length=max_length, required=required))

    def choice(self, row: Row, column: str, choices: Sequence[tuple[str, str]], *, required: bool = True) -> str | None:
        """A value of a fixed set, given by its Chinese label or its code."""
        text = row.text(column)
        if not text and not required:
            return ""
        for code, label in choices:
            if text in (label, code):
                return code
        labels = "、".join(label for _code, label in choices)
        if not text:
            self.error(row, column, _("必填，可填：%(labels)s") % {"labels": labels})
        else:
            self.error(row, column, _("“%(value)s”不是可选值，可填：%(labels)s") % {"value": text, "labels": labels})
        return None

    @property
    def published(self) -> set[tuple[int, str]]:
        if self._published is None:
            rows = PublishedPeriod.objects.filter(county_code=self.county.code).values_list("year", "half")
            self._published = set(rows)
        return self._published

    def unpublished(self, row: Row, column: str, periods: Iterable[Period]) -> bool:
        """False, with the row's error naming it, when one of the half-years the row's record counts in has
        been published: its results are frozen, and history is brought only for periods not yet published."""
        for period in periods:
            if (period.year, period.half) in self.published:
                self.error(
                    row,
                    column,
                    _("%(period)s的考核结果已发布，不能再导入该期的历史记录") % {"period": period.label},
                )
                return False
        return True


def halves_between(start: datetime | date, end: datetime | date) -> list[Period]:
    """Every half-year from the one containing ``start`` to the one containing ``end``."""
    first, last = period_of(start), period_of(end)
    periods = [first]
    while periods[-1] != last and len(periods) < 200:
        year, half = periods[-1].year, periods[-1].half
        periods.append(Period(year, "H2") if half == "H1" else Period(year + 1, "H1"))
    return periods


@dataclass(frozen=True)
class Item:
    """One row found good, ready to be written."""

    line: int


class HistoryImporter:
    """One kind of past record. Subclasses give the template (columns, examples, 参考 lists), read the rows
    into items, and write an item through the apps' services, returning the records made."""

    kind: ClassVar[str]
    sheet: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    # a service's field (of its ValidationError) → the column that holds it
    fields: ClassVar[dict[str, str]] = {}

    def columns(self, check: Check) -> list[TemplateColumn]:
        raise NotImplementedError

    def references(self, check: Check) -> list[ReferenceList]:
        return [station_list(check)]

    def examples(self, check: Check) -> list[list[Any]]:
        raise NotImplementedError

    def headers(self) -> list[str]:
        raise NotImplementedError

    def plan(self, check: Check, rows: list[Row]) -> list[Any]:
        raise NotImplementedError

    def save(self, check: Check, item: Any) -> list[Model]:
        raise NotImplementedError


def station_column() -> TemplateColumn:
    hint = _("服务站编码（见“参考”工作表），须为本县的服务站")
    return TemplateColumn(COL_STATION, hint, required=True, choices=COL_STATION, text=True)


def station_list(check: Check) -> ReferenceList:
    stations = sorted(check.stations.values(), key=lambda s: s.code)[:TEMPLATE_STATIONS]
    return ReferenceList(COL_STATION, [s.code for s in stations], note=_("站点名称"), labels=[s.name for s in stations])


def example_codes(check: Check, n: int) -> list[str]:
    """``n`` of the county's station codes for the examples (repeated when it has fewer)."""
    codes = sorted(check.stations)[:n] or [_("站点编码")]
    return [codes[i % len(codes)] for i in range(n)]


def yes_no_list() -> ReferenceList:
    return ReferenceList(YES_NO, ["是", "否"])
