"""Import of official region codes from a CSV file (plain or gzip).

The file needs the columns ``code`` and ``name`` (the official statistical code tables as
published; other columns are ignored). The whole file is checked before anything is written,
and the write is one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

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


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8-sig")
    return io.StringIO(text)


def read_rows(path: Path) -> list[tuple[str, str]]:
    """Parse and validate the file; raise RegionImportError listing every bad row."""
    try:
        handle = _open_text(path)
    except (OSError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise RegionImportError([_("无法读取文件：%(error)s") % {"error": exc}]) from exc
    reader = csv.DictReader(handle)
    if not reader.fieldnames or not {"code", "name"} <= {f.strip() for f in reader.fieldnames}:
        raise RegionImportError([_("文件须包含 code 和 name 两列")])
    rows: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for line_no, record in enumerate(reader, start=2):
        code = (record.get("code") or "").strip()
        name = (record.get("name") or "").strip()
        if level_of(code) is None:
            errors.append(
                _("第 %(line)d 行：区划代码“%(code)s”应为 2、4、6、9 或 12 位数字") % {"line": line_no, "code": code}
            )
            continue
        if not name or len(name) > 64:
            errors.append(_("第 %(line)d 行：名称不能为空且不超过 64 字") % {"line": line_no})
            continue
        if code in seen:
            errors.append(_("第 %(line)d 行：区划代码 %(code)s 重复") % {"line": line_no, "code": code})
            continue
        seen.add(code)
        rows.append((code, name))
    if errors:
        raise RegionImportError(errors)
    return rows


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
    rows = read_rows(path or SHIPPED_FILE)
    if only:
        rows = _with_ancestors(rows, only)
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
