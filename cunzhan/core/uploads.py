"""Limits on a table file before anything parses it.

A spreadsheet is a zip archive of XML: 1.7 MB can declare 390 MB of rows (a decompression bomb), and
a parser holds every cell in memory. So an upload is refused, in milliseconds and without reading its
rows, when the file itself, what its archive declares it expands to, or its compression ratio is over
a limit; a sheet with too many rows is refused once its size is known, before its cells become Python
objects. The zip reader of python-calamine refuses a member that inflates to more than the archive
declares, so the declared sizes are the true ceiling. The limits are settings (``IMPORT_MAX_*``).
"""

from __future__ import annotations

import os
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

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            max_ratio=settings.IMPORT_MAX_RATIO,
            max_rows=settings.IMPORT_MAX_ROWS,
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
