"""Import of official region codes from a CSV file (plain or gzip).

The file needs the columns ``code`` and ``name`` (the official statistical code tables as
published; other columns are ignored). The whole file is checked before anything is written,
and the write is one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cunzhan.core.uploads import OLE_MAGIC, ZIP_MAGIC, FileRefused, check_file, human_size
from cunzhan.regions.models import Level, Region, level_of, parent_code

SHIPPED_FILE = Path(__file__).parent / "data" / "regions.csv.gz"


@dataclass
class RegionImportError(Exception):
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.errors)


@dataclass(frozen=True)
class ImportSummary:
    read: int
    created: int
    updated: int


# The national table down to villages has some 700,000 rows; a file with more is not a region table.
MAX_ROWS = 1_000_000
MAX_ERRORS = 50  # listed one by one; past this, a count (a wrong file would otherwise print a million lines)
GZIP_MAGIC = b"\x1f\x8b"


def _open_text(path: Path) -> io.StringIO:
    """The file's text, refused in Chinese (RegionImportError) when it is missing, over the upload
    limits (cunzhan/core/uploads.py: IMPORT_MAX_BYTES; a gzip inflating past IMPORT_MAX_UNPACKED_BYTES
    is stopped there, never inflated whole), not CSV text, or in an encoding that is neither UTF-8 nor
    GBK/GB18030 (as Excel in China saves CSV)."""
    if not path.is_file():
        raise RegionImportError([_("找不到文件 %(path)s") % {"path": path}])
    try:
        check_file(path)
        raw = path.read_bytes()
    except FileRefused as exc:
        raise RegionImportError([exc.message]) from exc
    except OSError as exc:
        raise RegionImportError([_("无法读取文件 %(path)s，请检查文件权限。") % {"path": path}]) from exc
    if raw[:2] == GZIP_MAGIC:
        raw = _gunzip(raw)
    if raw.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise RegionImportError([_("这是 Excel 表格，不是 CSV 文本。请在 Excel 中另存为“CSV UTF-8”后再导入。")])
    if b"\x00" in raw:
        raise RegionImportError([_("文件含有二进制内容，不是 CSV 文本。区划文件须为 CSV（可为 gzip 压缩）。")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return io.StringIO(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise RegionImportError([_("文件编码无法识别，请另存为 UTF-8 编码的 CSV。")])


def _gunzip(raw: bytes) -> bytes:
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as archive:
            data = archive.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise RegionImportError([_("gzip 压缩文件已损坏，无法解压。请重新下载或重新压缩后再导入。")]) from exc
    if len(data) > limit:
        raise RegionImportError([_("文件解压后超过 %(max)s 的上限，未读取。") % {"max": human_size(limit)}])
    return data


def read_rows(path: Path) -> list[tuple[str, str]]:
    """Parse and validate the file; raise RegionImportError listing every bad row."""
    handle = _open_text(path)
    reader = csv.DictReader(handle)
    rows: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    line_no = 0
    try:
        if not reader.fieldnames or not {"code", "name"} <= {f.strip() for f in reader.fieldnames}:
            raise RegionImportError([_("文件须包含 code 和 name 两列")])
        line_no = 1
        for line_no, record in enumerate(reader, start=2):
            if line_no - 1 > MAX_ROWS:
                raise RegionImportError(
                    [_("文件超过 %(max)s 行，不像是区划代码表，未导入。") % {"max": f"{MAX_ROWS:,}"}]
                )
            problem = _row_problem(record, line_no, seen)
            if problem:
                errors.append(problem)
                continue
            code, name = record["code"].strip(), record["name"].strip()
            seen.add(code)
            rows.append((code, name))
    except csv.Error as exc:
        raise RegionImportError(
            [
                _("第 %(line)d 行：有一个单元格超过 %(max)s 个字符或引号不成对，文件不像是区划代码表，未导入。")
                % {"line": line_no + 1, "max": f"{csv.field_size_limit():,}"}
            ]
        ) from exc
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        errors = [*errors[:MAX_ERRORS], _("……还有 %(n)d 处错误未列出。") % {"n": more}]
    if errors:
        raise RegionImportError(errors)
    return rows


def _row_problem(record: dict[str | Any, Any], line_no: int, seen: set[str]) -> str | None:
    code = (record.get("code") or "").strip()
    name = (record.get("name") or "").strip()
    if level_of(code) is None:
        return _("第 %(line)d 行：区划代码“%(code)s”应为 2、4、6、9 或 12 位数字") % {
            "line": line_no,
            "code": code[:20],
        }
    if not name or len(name) > 64:
        return _("第 %(line)d 行：名称不能为空且不超过 64 字") % {"line": line_no}
    if code in seen:
        return _("第 %(line)d 行：区划代码 %(code)s 重复") % {"line": line_no, "code": code}
    return None


def _with_ancestors(rows: list[tuple[str, str]], only: str) -> list[tuple[str, str]]:
    wanted: set[str] = set()
    code: str | None = only
    while code:
        wanted.add(code)
        code = parent_code(code)
    return [(c, n) for c, n in rows if c in wanted or c.startswith(only)]


@transaction.atomic
def import_regions(path: Path | None = None, *, only: str | None = None) -> ImportSummary:
    """Insert or rename regions from ``path`` (default: the shipped file).

    ``only`` restricts the import to one region's subtree plus its ancestors,
    e.g. ``only="610828"`` loads 陕西省 → 榆林市 → 佳县 and everything below it.
    """
    if only is not None and level_of(only) is None:
        raise RegionImportError(
            [_("--only 须为 2、4、6、9 或 12 位数字的区划代码，而不是“%(code)s”") % {"code": only[:20]}]
        )
    rows = read_rows(path or SHIPPED_FILE)
    if only:
        rows = _with_ancestors(rows, only)
        if only not in {code for code, _name in rows}:
            raise RegionImportError([_("文件中没有区划 %(code)s") % {"code": only}])
    codes_in_file = {code for code, _name in rows}
    missing_parents = sorted(
        {p for code, _name in rows if (p := parent_code(code)) and p not in codes_in_file}
        - set(Region.objects.filter(code__in={parent_code(c) for c, _n in rows}).values_list("code", flat=True))
    )
    if missing_parents:
        raise RegionImportError(
            [_("上级区划 %(code)s 不存在（既不在文件中也不在数据库中）") % {"code": code} for code in missing_parents]
        )
    existing = dict(Region.objects.filter(code__in=codes_in_file).values_list("code", "name"))
    to_create = [r for r in rows if r[0] not in existing]
    to_rename = [r for r in rows if r[0] in existing and existing[r[0]] != r[1]]
    for level in Level:
        _bulk_insert(r for r in to_create if level_of(r[0]) == level)
    for code, name in to_rename:
        Region.objects.filter(code=code).update(name=name)
    return ImportSummary(read=len(rows), created=len(to_create), updated=len(to_rename))


def _bulk_insert(rows: Iterable[tuple[str, str]]) -> None:
    Region.objects.bulk_create(
        [Region(code=code, name=name, level=level_of(code), parent_id=parent_code(code)) for code, name in rows],
        batch_size=2000,
    )
