"""Limits on a table file before anything parses it.

A spreadsheet is a zip archive of XML: 1.7 MB can declare 390 MB of rows (a decompression bomb), and
a parser holds every cell in memory. So an upload is refused, in milliseconds and without reading its
rows, when the file itself, what its archive declares it expands to, or its compression ratio is over
a limit; a sheet with too many rows is refused once its size is known, before its cells become Python
objects. The zip reader of python-calamine refuses a member that inflates to more than the archive
declares, so the declared sizes are the true ceiling. The limits are settings (``IMPORT_MAX_*``).

The rows and columns of an .xlsx sheet are counted from its XML before python-calamine opens it
(:func:`check_sheet`): calamine builds the whole sheet as one dense grid, so a 1.5 kB file with a single
cell at row 1,000,000 (or column XFD) asks it for hundreds of MB, or more than the machine has. The scan
streams the sheet's XML a chunk at a time, keeping only counters.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .ods
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls
# Below this a high compression ratio cannot hurt (and an almost empty sheet compresses very well)
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unpacked_bytes: int
    max_ratio: int
    max_rows: int  # data rows, the header not counted
    max_columns: int = 200

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            max_ratio=settings.IMPORT_MAX_RATIO,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
        )


class FileRefused(Exception):
    """The file is not read at all; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def human_size(size: int) -> str:
    """48 MB, 1.5 MB, 9.8 KB: a size as a clerk reads it."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale or unit == "KB":
            return f"{size / scale:.1f}".rstrip("0").rstrip(".") + " " + unit
    raise AssertionError  # unreachable


def head_of(source: str | Path | IO[bytes], length: int = 8) -> bytes:
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            return handle.read(length)
    position = source.tell()
    try:
        return source.read(length)
    finally:
        source.seek(position)


def size_of(source: str | Path | IO[bytes]) -> int:
    if isinstance(source, str | Path):
        return os.stat(source).st_size
    size = getattr(source, "size", None)  # Django's uploads know it without seeking
    if isinstance(size, int):
        return size
    position = source.tell()
    try:
        return source.seek(0, os.SEEK_END)
    finally:
        source.seek(position)


def is_spreadsheet(source: str | Path | IO[bytes]) -> bool:
    """Whether the bytes are an Excel/ODS workbook, whatever the file's name says."""
    return head_of(source).startswith((ZIP_MAGIC, OLE_MAGIC))


def check_file(source: str | Path | IO[bytes], limits: Limits | None = None) -> None:
    """FileRefused when the file is over a limit; the rows are not read."""
    limits = limits or Limits.from_settings()
    size = size_of(source)
    if size > limits.max_bytes:
        raise FileRefused(
            _("文件有 %(size)s，超过 %(max)s 的上限，未读取。请分成几个文件导入。")
            % {"size": human_size(size), "max": human_size(limits.max_bytes)}
        )
    if head_of(source).startswith(ZIP_MAGIC):
        _check_archive(source, limits)


def _check_archive(source: str | Path | IO[bytes], limits: Limits) -> None:
    position = None if isinstance(source, str | Path) else source.tell()
    try:
        with zipfile.ZipFile(source) as archive:  # reads the central directory only
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRefused(_("文件已损坏，无法打开。请用 Excel 或 WPS 重新另存为 .xlsx 后再上传。")) from exc
    finally:
        if position is not None:
            source.seek(position)
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if unpacked > limits.max_unpacked_bytes:
        raise FileRefused(
            _("文件解压后有 %(size)s，超过 %(max)s 的上限，未读取。请分成几个文件导入。")
            % {"size": human_size(unpacked), "max": human_size(limits.max_unpacked_bytes)}
        )
    if unpacked > RATIO_FLOOR_BYTES and unpacked > limits.max_ratio * max(packed, 1):
        raise FileRefused(
            _("文件的压缩比（%(ratio)d 倍）异常，超过 %(max)d 倍的上限，未读取。请用 Excel 或 WPS 重新另存后再上传。")
            % {"ratio": unpacked // max(packed, 1), "max": limits.max_ratio}
        )


def check_rows(count: int, limits: Limits | None = None) -> None:
    """FileRefused when a sheet has more data rows than the limit."""
    limits = limits or Limits.from_settings()
    if count > limits.max_rows:
        raise FileRefused(
            _("表格有 %(rows)s 行数据，超过 %(max)s 行的上限，未读取。请分成几个文件导入。")
            % {"rows": f"{count:,}", "max": f"{limits.max_rows:,}"}
        )


def check_columns(count: int, limits: Limits | None = None) -> None:
    """FileRefused when a sheet is wider than the limit."""
    limits = limits or Limits.from_settings()
    if count > limits.max_columns:
        raise FileRefused(
            _("表格有 %(columns)s 列，超过 %(max)s 列的上限，未读取。请使用下载的模板，删去多余的列。")
            % {"columns": f"{count:,}", "max": f"{limits.max_columns:,}"}
        )


# What the scan of a sheet's XML looks for: the number in r="12" (a row) and r="AB12" (a cell), and the
# letters of a cell's r. Two plain findalls and C-level max/set: a regex match object per cell would
# cost more than python-calamine's own parse. Row elements without a number are counted as well.
REF_NUMBER = re.compile(rb'\sr="[A-Za-z]{0,10}(\d{1,10})"')
REF_LETTERS = re.compile(rb'\sr="([A-Za-z]{1,10})\d')
SCAN_CHUNK = 1024 * 1024
# workbook.xml and its relationships are small; a part larger than this is not read for the sheet's name
PART_READ_LIMIT = 1024 * 1024


def check_sheet(source: str | Path | IO[bytes], limits: Limits | None = None) -> None:
    """FileRefused when the first sheet of an .xlsx or .ods has more data rows or columns than the
    limits, counted from its XML as python-calamine will see them (.xlsx: the highest row or cell number,
    or the number of row elements when they carry none; .ods: rows and cells with their repeat counts,
    up to the last one holding a value). Nothing is parsed into cells and memory stays flat; a broken
    archive is left to the parser to report. .xls and CSV are not scanned here."""
    limits = limits or Limits.from_settings()
    if not head_of(source).startswith(ZIP_MAGIC):
        return
    position = None if isinstance(source, str | Path) else source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            if "content.xml" in archive.namelist():  # an OpenDocument spreadsheet (.ods)
                rows, columns = _ods_extent(archive)
            elif (member := _first_sheet(archive)) is not None:
                rows, columns = _sheet_extent(archive, member)
            else:
                return
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, RuntimeError, NotImplementedError):
        return  # not ours to word: the parser says the file is unreadable
    finally:
        if position is not None:
            source.seek(position)
    check_rows(rows - 1, limits)
    check_columns(columns, limits)


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The member of the workbook's first sheet, as python-calamine picks it (the first <sheet> of
    xl/workbook.xml through its relationship); the first worksheet member when that cannot be told."""
    names = archive.namelist()
    worksheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    try:
        workbook = _read_part(archive, "xl/workbook.xml")
        rels = _read_part(archive, "xl/_rels/workbook.xml.rels")
        sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\sr:id=\"([^\"]+)\"", workbook)
        if sheet:
            for relationship in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
                tag = relationship.group()
                rid = re.search(rb"\sId=\"([^\"]+)\"", tag)
                target = re.search(rb"\sTarget=\"([^\"]+)\"", tag)
                if rid and target and rid.group(1) == sheet.group(1):
                    path = target.group(1).decode("utf-8", "replace")
                    path = path.lstrip("/") if path.startswith("/") else "xl/" + path
                    if path in names:
                        return path
    except KeyError:
        pass
    return worksheets[0] if worksheets else None


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        return part.read(PART_READ_LIMIT)


def _sheet_extent(archive: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """(rows, columns) of the sheet: the highest row number and column seen, streamed."""
    rows = tags = columns = 0
    letters: set[bytes] = set()
    carry = b""
    with archive.open(member) as sheet:
        while chunk := sheet.read(SCAN_CHUNK):
            text = carry + chunk
            cut = text.rfind(b"<")  # a tag is never split: the part from the last "<" waits for the next chunk
            if cut <= 0:
                carry = text
                continue
            text, carry = text[:cut], text[cut:]
            rows, tags = _count(text, rows, tags, letters)
    rows, tags = _count(carry, rows, tags, letters)
    for column in letters:
        columns = max(columns, _column_number(column.upper()))
    return max(rows, tags), columns


def _count(text: bytes, rows: int, tags: int, letters: set[bytes]) -> tuple[int, int]:
    tags += text.count(b"<row") + text.count(b":row ") + text.count(b":row>")  # <row …>, <x:row …>
    numbers = REF_NUMBER.findall(text)
    if numbers:
        rows = max(rows, max(map(int, numbers)))
    letters.update(set(REF_LETTERS.findall(text)))
    return rows, tags


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


# OpenDocument: a row or cell stands for "number-…-repeated" of them (default 1); a 1.4 kB .ods declaring
# 1,000,000 rows of 20 filled cells grew python-calamine to 2.5 GB. Repeated rows or cells without a value
# (LibreOffice writes the rest of the sheet so) are not kept by calamine and count only as a position.
ODS_ROW = re.compile(rb"<table:table-row\b([^>]*?)(?:/>|>(.*?)</table:table-row>)", re.S)
ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(?:/>|>(.*?)</table:(?:covered-)?table-cell>)", re.S)
ODS_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d{1,10})"')
ODS_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="(\d{1,10})"')
ODS_ROW_START = b"<table:table-row"
ODS_TABLE_END = b"</table:table>"


def _ods_extent(archive: zipfile.ZipFile) -> tuple[int, int]:
    """(rows, columns) of the first table of content.xml up to its last value, streamed."""
    position = rows = columns = 0
    carry = b""
    with archive.open("content.xml") as content:
        while True:
            chunk = content.read(SCAN_CHUNK)
            text = carry + chunk
            end = text.find(ODS_TABLE_END)
            if end != -1:  # the first table ends here: the rest is other sheets
                text, chunk = text[:end], b""
            if chunk:
                cut = text.rfind(ODS_ROW_START)  # a row is never split: from its start it waits for the next chunk
                text, carry = (text[:cut], text[cut:]) if cut > 0 else (b"", text)
            for row in ODS_ROW.finditer(text):
                repeated = ODS_ROWS_REPEATED.search(row.group(1))
                position += int(repeated.group(1)) if repeated else 1
                width = _ods_width(row.group(2) or b"")
                if width:
                    rows, columns = position, max(columns, width)
            if not chunk:
                return rows, columns


def _ods_width(cells: bytes) -> int:
    """The column of the row's last cell holding a value (0 for an empty row)."""
    column = width = 0
    for cell in ODS_CELL.finditer(cells):
        repeated = ODS_COLUMNS_REPEATED.search(cell.group(1))
        column += int(repeated.group(1)) if repeated else 1
        if b"office:value-type" in cell.group(1) or b"<text:p" in (cell.group(2) or b""):
            width = column
    return width
