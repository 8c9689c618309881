"""Import templates that guide the clerk filling them in (.xlsx, xlsxwriter).

Every import of the product offers a template made for the downloading user: the first sheet has the
Chinese headers, then a row explaining each column's format (dates 2025-03-01, amounts in 元 with two
decimals …), then example rows with the user's own codes; a second sheet, 参考, lists what the columns
may hold (the county's townships and villages, operating units, stations, and each fixed set of values);
every column with a fixed set of values gets an Excel drop-down list (data validation) drawn from it.

A free-text column whose values are usually among a few well-known ones (the platforms of a shop, 网店/平台,
合作平台) gets the same drop-down as a suggestion only (``other_allowed``): Excel offers the list and
accepts anything typed, with no message at all. The import takes any text there, so the spreadsheet must
not object to a value the import accepts — a local platform, or several platforms in one cell
("邮乐购、淘宝"), which for 合作平台 is the rule rather than the exception; even Excel's mildest
("information") error box would stop the clerk on most rows for nothing. The list is the setting
``IMPORT_PLATFORMS`` (:func:`platform_list`).

The explanation row starts with :data:`EXPLANATION_MARK`. :func:`cunzhan.core.tabular.read_table` hands
it to the importers as a blank row, which they skip like any blank row: the rows below keep the numbers
the spreadsheet shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from cunzhan.core.tabular import EXPLANATION_MARK, column_letter, workbook

REFERENCE_SHEET = "参考"
ROWS_VALIDATED = 10_000  # the rows the drop-down lists cover below the examples


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    hint: str  # the format in Chinese, e.g. "日期，如 2025-03-01"
    required: bool = False
    choices: str = ""  # the title of a reference list whose values the column takes (a drop-down)
    text: bool = False  # kept as text, so that Excel keeps the leading zeros of a code or phone
    width: int = 0
    other_allowed: bool = False  # the list is a suggestion: any other value may be typed (see above)


@dataclass(frozen=True)
class ReferenceList:
    title: str  # e.g. "乡镇", "运营单位", "层级"
    values: Sequence[str]
    note: str = ""  # e.g. a second column beside the values: "高家坬村" beside "610828101201"
    labels: Sequence[str] = ()  # shown beside the values (not part of the list)


def write_import_template(
    target: IO[bytes] | str,
    *,
    sheet: str,
    columns: Sequence[TemplateColumn],
    examples: Sequence[Sequence[Any]],
    references: Sequence[ReferenceList] = (),
) -> None:
    """Write a guided template (see the module's docstring). A column's ``choices`` must name one of
    ``references``."""
    book = workbook(target, in_memory=True)
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    hint = book.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
    text = book.add_format({"num_format": "@"})
    ws = book.add_worksheet(sheet)
    lists = _write_references(book, references, head)
    for col, column in enumerate(columns):
        width = column.width or max(12, len(column.header) * 2 + 2)
        ws.set_column(col, col, width, text if column.text else None)
        # the header is the text the import looks for; a required column is told by its colour
        ws.write_string(0, col, column.header, required if column.required else head)
        explanation = column.hint + ("；必填" if column.required else "")
        ws.write_string(1, col, (EXPLANATION_MARK if col == 0 else "") + explanation, hint)
        if column.choices:
            if column.choices not in lists:
                raise ValueError(f"template column {column.header!r}: no reference list {column.choices!r}")
            ws.data_validation(2, col, 2 + ROWS_VALIDATED, col, _validation(column, lists[column.choices]))
    ws.set_row(1, 48)
    ws.freeze_panes(2, 0)
    for r, row in enumerate(examples, start=2):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write(r, c, value)
    book.close()


def _validation(column: TemplateColumn, source: str) -> dict[str, Any]:
    """A column's drop-down list: a closed one warns of another value (the import refuses the file with
    the row named); an open one offers the list and takes anything, saying so when the cell is chosen."""
    if column.other_allowed:
        return {
            "validate": "list",
            "source": source,
            "show_error": False,
            "input_title": _("可从列表中选择"),
            "input_message": _("也可直接填写列表中没有的值。"),
        }
    return {
        "validate": "list",
        "source": source,
        "error_title": _("不在可选范围内"),
        "error_message": _("请从下拉列表中选择（见“参考”工作表）。"),
        "error_type": "warning",
    }


def platform_list(title: str) -> ReferenceList:
    """The common e-commerce platforms (the setting ``IMPORT_PLATFORMS``), offered in a free-text column."""
    return ReferenceList(title, [str(p) for p in settings.IMPORT_PLATFORMS])


def _write_references(book: Any, references: Sequence[ReferenceList], head: Any) -> dict[str, str]:
    """The 参考 sheet, one list per column (with its labels beside it); the range of each list by title."""
    if not references:
        return {}
    ws = book.add_worksheet(REFERENCE_SHEET)
    ranges = {}
    col = 0
    for ref in references:
        ws.write_string(0, col, ref.title, head)
        ws.set_column(col, col, max(12, len(ref.title) * 2 + 2))
        for r, value in enumerate(ref.values, start=1):
            ws.write_string(r, col, str(value))
        letter = column_letter(col)
        last = max(len(ref.values), 1) + 1
        ranges[ref.title] = f"='{REFERENCE_SHEET}'!${letter}$2:${letter}${last}"
        if ref.labels:
            ws.write_string(0, col + 1, ref.note or _("说明"), head)
            ws.set_column(col + 1, col + 1, 24)
            for r, label in enumerate(ref.labels, start=1):
                ws.write_string(r, col + 1, str(label))
            col += 1
        col += 2  # a blank column between the lists
    return ranges
