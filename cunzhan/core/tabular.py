"""Reading and writing tables (.xlsx/.xls/.ods through python-calamine, .csv through csv;
.xlsx written by xlsxwriter in constant memory). Importers build on this: they validate the
whole file, collect every :class:`CellError`, and save nothing unless there are none."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}


@dataclass(frozen=True)
class CellError:
    row: int  # 1-based, as the spreadsheet shows it (the header is row 1)
    column: str  # the header text, e.g. "站点编码"
    message: str

    def __str__(self) -> str:
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


def read_table(source: str | Path | IO[bytes], *, name: str | None = None) -> tuple[list[str], Iterator[list[Any]]]:
    """The header row (stripped strings) and an iterator over the data rows of the first sheet.

    ``source`` is a path or a binary file object; ``name`` gives the file name when the object has none.
    Raises ImportRejected for an unreadable file or an unsupported type.
    """
    name = name or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "") or "")
    suffix = suffix_of(name)
    try:
        if suffix in SPREADSHEET_SUFFIXES:
            rows = _spreadsheet_rows(source)
        elif suffix in CSV_SUFFIXES:
            rows = _csv_rows(source)
        else:
            raise ImportRejected(
                [
                    CellError(
                        0,
                        "",
                        _("不支持的文件类型“%(suffix)s”，请上传 .xlsx 或 .csv 文件") % {"suffix": suffix or "?"},
                    )
                ]
            )
        header = next(rows, None)
    except ImportRejected:
        raise
    except Exception as exc:  # calamine and csv raise many kinds; all mean "unreadable"
        raise ImportRejected([CellError(0, "", _("文件无法读取：%(error)s") % {"error": exc})]) from exc
    if header is None:
        raise ImportRejected([CellError(1, "", _("文件是空的"))])
    return [str(h).strip() if h is not None else "" for h in header], rows


def _spreadsheet_rows(source: str | Path | IO[bytes]) -> Iterator[list[Any]]:
    if isinstance(source, str | Path):
        book = CalamineWorkbook.from_path(str(source))
    else:
        book = CalamineWorkbook.from_filelike(source)
    sheet = book.get_sheet_by_index(0)
    return iter(sheet.to_python(skip_empty_area=False))


def _csv_rows(source: str | Path | IO[bytes]) -> Iterator[list[Any]]:
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([CellError(0, "", _("CSV 文件编码无法识别，请保存为 UTF-8"))])
    return iter(csv.reader(io.StringIO(text)))


def check_header(header: Sequence[str], required: Sequence[str]) -> dict[str, int]:
    """Column positions by header text; ImportRejected naming every missing column."""
    positions = {h: i for i, h in enumerate(header) if h}
    missing = [c for c in required if c not in positions]
    if missing:
        raise ImportRejected([CellError(1, c, _("缺少此列，请使用下载的模板")) for c in missing])
    return positions


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


def write_xlsx(
    target: IO[bytes] | str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> None:
    """Write one sheet in constant memory: rows are streamed, never held."""
    book = workbook(
        target,
        constant_memory=True,
        in_memory=False,
        default_date_format="yyyy-mm-dd hh:mm:ss",
        remove_timezone=True,
    )
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    for col, title in enumerate(header):
        ws.write_string(0, col, str(title), bold)
        ws.set_column(col, col, (widths[col] if widths else max(10, len(str(title)) * 2 + 2)))
    ws.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, ["" if v is None else v for v in row])
    book.close()


def write_csv(target: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(target)
    writer.writerow(header)
    writer.writerows([csv_safe(v) for v in row] for row in rows)
