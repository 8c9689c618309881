"""Reading and writing tables (.xlsx/.xls/.ods through python-calamine, .csv through csv;
.xlsx written by xlsxwriter in constant memory). Importers build on this: they validate the
whole file, collect every :class:`CellError`, and save nothing unless there are none."""

from __future__ import annotations

import csv
import io
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from cunzhan.core.uploads import FileRefused, Limits, check_file, check_rows, check_sheet, is_spreadsheet, size_of

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
# The first cell of a template's explanation row (cunzhan.core.import_templates): read as a blank row
EXPLANATION_MARK = "【说明】"
CSV_SUFFIXES = {".csv", ".txt"}


@dataclass(frozen=True)
class CellError:
    row: int  # 1-based, as the spreadsheet shows it (the header is row 1); 0 for the file as a whole
    column: str  # the header text, e.g. "站点编码"
    message: str

    def __str__(self) -> str:
        if self.row == 0:  # the file as a whole
            return self.message
        if self.column:
            return _("第 %(row)d 行“%(column)s”列：%(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("第 %(row)d 行：%(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportRejected(Exception):
    """The file is not imported; nothing was saved. ``errors`` lists every problem found."""

    errors: list[CellError] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def suffix_of(name: str) -> str:
    return Path(name).suffix.lower()


def read_table(
    source: str | Path | IO[bytes], *, name: str | None = None, limits: Limits | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header row (stripped strings) and an iterator over the data rows of the first sheet.

    ``source`` is a path or a binary file object; ``name`` gives the file name when the object has none.
    A workbook is read as one whatever its name says (an .xlsx renamed .csv still reads). Raises
    ImportRejected for a file over the upload limits (:mod:`cunzhan.core.uploads`, checked before
    anything is parsed), an unreadable file or an unsupported type. The errors of the file as a
    whole are row 0.
    """
    limits = limits or Limits.from_settings()
    name = name or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "") or "")
    suffix = suffix_of(name)
    try:
        if suffix not in SPREADSHEET_SUFFIXES | CSV_SUFFIXES:
            raise FileRefused(_("不支持的文件类型“%(suffix)s”，请上传 .xlsx 或 .csv 文件") % {"suffix": suffix or "?"})
        if size_of(source) == 0:
            raise FileRefused(_("文件是空的"))
        check_file(source, limits)
        if is_spreadsheet(source):
            rows = _spreadsheet_rows(source, limits)
        elif suffix in CSV_SUFFIXES:
            rows = _csv_rows(source, limits)
        else:
            raise FileRefused(unreadable_message())
        header = next(rows, None)
    except FileRefused as exc:
        raise ImportRejected([CellError(0, "", exc.message)]) from exc
    except ImportRejected:
        raise
    except Exception as exc:  # calamine raises many kinds (CalamineError, XmlError, ...); all mean unreadable
        raise ImportRejected([CellError(0, "", unreadable_message())]) from exc
    if header is None:
        raise ImportRejected([CellError(0, "", _("文件是空的"))])
    return [str(h).strip() if h is not None else "" for h in header], _without_explanation(rows)


def _without_explanation(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The data rows, a template's explanation row (the first, marked) given as a blank row: importers
    skip blank rows and keep the sheet's row numbers."""
    first = next(rows, None)
    if first is None:
        return
    if first and isinstance(first[0], str) and first[0].startswith(EXPLANATION_MARK):
        first = [""] * len(first)
    yield first
    yield from rows


def check_upload(source: str | Path | IO[bytes], limits: Limits | None = None) -> None:
    """ImportRejected when the file is over the upload limits: call it before reading a file into
    memory (:func:`read_table` calls it itself)."""
    try:
        check_file(source, limits)
    except FileRefused as exc:
        raise ImportRejected([CellError(0, "", exc.message)]) from exc


def unreadable_message() -> str:
    return _(
        "无法读取此文件：它不是有效的 Excel 表格（.xlsx、.xls 或 .ods），也不是 CSV 文本。"
        "请用 Excel 或 WPS 打开下载的模板，填好后“另存为” .xlsx 或“CSV UTF-8”再上传。"
    )


def _spreadsheet_rows(source: str | Path | IO[bytes], limits: Limits) -> Iterator[list[Any]]:
    check_sheet(source, limits)  # an .xlsx: its rows and columns counted before calamine builds the grid
    if isinstance(source, str | Path):
        book = CalamineWorkbook.from_path(str(source))
    else:
        book = CalamineWorkbook.from_filelike(source)
    if not book.sheet_names:
        raise FileRefused(_("文件中没有工作表"))
    sheet = book.get_sheet_by_index(0)
    check_rows(sheet.height - 1, limits)  # .xls, .ods: before the cells become Python objects
    return iter(sheet.to_python(skip_empty_area=False))


def _csv_rows(source: str | Path | IO[bytes], limits: Limits) -> Iterator[list[Any]]:
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    if b"\x00" in raw:
        raise FileRefused(
            _("文件含有二进制内容，不是 CSV 文本表格。请上传 .xlsx 文件，或在 Excel 中另存为“CSV UTF-8”。")
        )
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(_("CSV 文件编码无法识别，请在 Excel 中另存为“CSV UTF-8”"))
    return _checked_csv(csv.reader(io.StringIO(text)), limits)


def _checked_csv(reader: Iterator[list[str]], limits: Limits) -> Iterator[list[str]]:
    """The CSV's rows; ImportRejected, naming the row, for a cell over the csv module's field limit
    (which a real table never reaches) or more rows than the limit."""
    row = 0
    try:
        for row, values in enumerate(reader, start=1):
            if row > limits.max_rows + 1:
                check_rows(row - 1, limits)
            yield values
    except FileRefused as exc:
        raise ImportRejected([CellError(0, "", exc.message)]) from exc
    except csv.Error as exc:
        raise ImportRejected(
            [
                CellError(
                    row + 1,
                    "",
                    _("此行有一个单元格超过 %(max)s 个字符或引号不成对，文件不像是台账表格，未读取。")
                    % {"max": f"{csv.field_size_limit():,}"},
                )
            ]
        ) from exc


def check_header(header: Sequence[str], required: Sequence[str]) -> dict[str, int]:
    """Column positions by header text; ImportRejected naming every missing column and every
    column that appears twice (which of the two holds the data would be a guess)."""
    places: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h:
            places.setdefault(h, []).append(i)
    errors = [
        CellError(
            1,
            h,
            _("此列出现了 %(n)d 次（第 %(columns)s 列），请只保留一列")
            % {"n": len(at), "columns": "、".join(map(column_letter, at))},
        )
        for h, at in places.items()
        if len(at) > 1
    ]
    errors += [CellError(1, c, _("缺少此列，请使用下载的模板")) for c in required if c not in places]
    if errors:
        raise ImportRejected(errors)
    return {h: at[0] for h, at in places.items()}


def column_letter(index: int) -> str:
    """A spreadsheet's name of the 0-based column ``index``: A, B, …, Z, AA, AB, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# Options for every workbook the product writes. A text cell is always text: xlsxwriter would
# otherwise store "=cmd|..." as a live formula and "http://..." as a link (formula injection).
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}

# A CSV cell that starts with one of these is read by spreadsheet programs as a formula; OWASP
# ("CSV Injection") advises a leading apostrophe, which they show as text and do not print.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def workbook(target: IO[bytes] | str | Path, **options: Any) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook with the product's safe defaults (see WORKBOOK_OPTIONS)."""
    return xlsxwriter.Workbook(target, {**options, **WORKBOOK_OPTIONS})


def csv_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet program will run: text starting with a formula character gets
    a leading apostrophe; numbers, dates and other text are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# How every amount is shown in a workbook: a number (sums and sorting keep working) with thousands
# separators and its two decimals, as the pages show it
MONEY_FORMAT = "#,##0.00"
# a column of amounts names them so: 金额（元）, 代购金额, 补贴（元）
AMOUNT_HEADER = re.compile(r"金额|（元）|\(元\)")


def money_columns(header: Sequence[str]) -> list[int]:
    """The columns whose title names an amount of money."""
    return [col for col, title in enumerate(header) if AMOUNT_HEADER.search(str(title))]


def write_xlsx(
    target: IO[bytes] | str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    widths: Sequence[int] | None = None,
    money: Sequence[int] | None = None,
) -> None:
    """Write one sheet in constant memory: rows are streamed, never held (a cell that is None is left
    empty, as xlsxwriter writes None). A writer thread stores the rows in the sheet while this one reads
    and builds the next ones (:func:`_write_rows`). The numbers in the ``money`` columns (by default those
    :func:`money_columns` finds) are written as numbers in MONEY_FORMAT."""
    money_at = set(money_columns(header) if money is None else money)
    book = workbook(
        target,
        constant_memory=True,
        in_memory=False,
        default_date_format="yyyy-mm-dd hh:mm:ss",
        remove_timezone=True,
    )
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    amount = book.add_format({"num_format": MONEY_FORMAT})
    for col, title in enumerate(header):
        ws.write_string(0, col, str(title), bold)
        ws.set_column(col, col, (widths[col] if widths else max(10, len(str(title)) * 2 + 2)))
    ws.freeze_panes(1, 0)
    _write_rows(ws, rows, money_at, amount)
    book.close()


# rows handed to the writer thread at a time, and chunks waiting for it at most (bounded memory)
WRITE_CHUNK_ROWS = 2000
WRITE_QUEUE_CHUNKS = 4


def _write_rows(ws: Any, rows: Iterable[Sequence[Any]], money_at: set[int], amount: Any) -> None:
    """Write ``rows`` from the sheet's second row on. A thread writes them (plain values only: it runs no
    query and no translation) while this thread takes the next chunk from ``rows`` — typically a database
    cursor, whose waits for the server then overlap with xlsxwriter's work. An error on either side ends
    both and is raised here."""
    chunks: queue.Queue[list[Sequence[Any]] | None] = queue.Queue(maxsize=WRITE_QUEUE_CHUNKS)
    failed: list[BaseException] = []

    def writer() -> None:
        write_row = ws.write_row
        r = 1
        try:
            while (chunk := chunks.get()) is not None:
                for row in chunk:
                    write_row(r, 0, row)
                    for col in money_at:  # the row's amounts again, as numbers in the money format
                        value = row[col] if col < len(row) else None
                        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
                            ws.write_number(r, col, float(value), amount)
                    r += 1
        except BaseException as exc:  # handed to the reading thread
            failed.append(exc)
            while chunks.get() is not None:  # let the reader finish putting
                pass

    thread = threading.Thread(target=writer, name="xlsx-writer", daemon=True)
    thread.start()
    source = iter(rows)
    try:
        while not failed and (chunk := list(islice(source, WRITE_CHUNK_ROWS))):
            chunks.put(chunk)
    finally:
        chunks.put(None)
        thread.join()
    if failed:
        raise failed[0]


def write_csv(target: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(target)
    writer.writerow(header)
    writer.writerows([csv_safe(v) for v in row] for row in rows)
