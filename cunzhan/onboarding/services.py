"""Every write of the onboarding app: a file of a county's past records imported (历史导入).

The county office (or the administrator) imports, for half-years not yet published, the records the
assessment reads, with their real dates: report submissions, inspections, training attendance, activity
participation, faults. The whole file is checked first, every problem named by row and column in Chinese;
then its rows are written one by one through the apps' own services (so their rules hold), and a refusal
of any row is collected the same way. Nothing is saved unless no row has a problem: one transaction.
Each record made is linked to the import (who, when, which file), and the pages mark it 历史导入.

Importing a file again changes nothing: the same file (by its SHA-256) is recognised and said to be
imported already; another file holding rows already imported skips them as present.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core.audit import acting, log_event
from cunzhan.core.tabular import CellError, ImportRejected, check_header, check_upload, read_table
from cunzhan.onboarding.importing import Check, HistoryImporter, Row
from cunzhan.onboarding.kinds import IMPORTERS
from cunzhan.onboarding.models import HistoryImport, HistoryKind, ImportedRecord
from cunzhan.onboarding.selectors import history_county_for_user
from cunzhan.regions.models import Region

Source = str | Path | IO[bytes]


@dataclass(frozen=True)
class HistoryOutcome:
    kind: str
    rows: int  # the data rows read
    created: int  # the rows written
    skipped: int  # the rows already held
    history: HistoryImport | None = None  # the import recorded; None when nothing was new
    earlier: HistoryImport | None = None  # the same file, imported before: nothing was done

    def describe(self) -> str:
        """What happened, for the page and the command line."""
        label = HistoryKind(self.kind).label
        if self.earlier is not None:
            return _("此文件已于 %(at)s 由 %(who)s 导入过（%(label)s，%(n)d 行），本次未做任何修改。") % {
                "at": f"{timezone.localtime(self.earlier.imported_at):%Y-%m-%d %H:%M}",
                "who": self.earlier.imported_by.display_name or self.earlier.imported_by.username,
                "label": label,
                "n": self.earlier.rows,
            }
        if self.history is None:
            return _("%(label)s：文件中的 %(n)d 行都已导入过，本次未做任何修改。") % {"label": label, "n": self.rows}
        text = _("%(label)s：已导入 %(created)d 行，标记为“历史导入”。") % {"label": label, "created": self.created}
        if self.skipped:
            text += _("另有 %(n)d 行已导入过，已跳过。") % {"n": self.skipped}
        return text


def importer_for(kind: str) -> HistoryImporter:
    try:
        return IMPORTERS[kind]
    except KeyError:
        choices = "、".join(f"{k}（{HistoryKind(k).label}）" for k in IMPORTERS)
        raise ValidationError(
            {"kind": _("未知的历史数据类别“%(kind)s”，可选：%(choices)s") % {"kind": kind, "choices": choices}}
        ) from None


def _contents(source: Source) -> bytes:
    """The file's bytes (its size checked against the upload limits first)."""
    check_upload(source)
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    return source.read()


def _rows(importer: HistoryImporter, header: list[str], lines: Any) -> list[Row]:
    positions = check_header(header, importer.required)
    known = [h for h in importer.headers() if h in positions]
    rows = []
    for line, values in enumerate(lines, start=2):
        cells = {h: values[positions[h]] if positions[h] < len(values) else None for h in known}
        if any(v is not None and str(v).strip() for v in cells.values()):
            rows.append(Row(line, cells))
    if not rows:
        raise ImportRejected([CellError(2, "", _("文件中没有数据行"))])
    return rows


def _refusals(importer: HistoryImporter, line: int, exc: Exception) -> list[CellError]:
    """A service's refusal of a row, on the row (and on the column its field is read from)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            CellError(line, importer.fields.get(field, ""), message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    if isinstance(exc, ValidationError):
        return [CellError(line, "", message) for message in exc.messages]
    return [CellError(line, "", str(exc) or _("无权进行此操作。"))]


@transaction.atomic
def history_import(
    *,
    acting_user: User,
    kind: str,
    source: Source,
    name: str | None = None,
    county: Region | None = None,
    now: datetime | None = None,
) -> HistoryOutcome:
    """Import a file of ``kind`` (:class:`HistoryKind`) for the county (the user's own unless given).
    ImportRejected with every problem when any row has one; nothing is saved then."""
    county = history_county_for_user(acting_user, county)
    importer = importer_for(kind)
    name = name or (Path(source).name if isinstance(source, str | Path) else getattr(source, "name", "") or "")
    data = _contents(source)
    digest = hashlib.sha256(data).hexdigest()
    earlier = HistoryImport.objects.filter(county=county, kind=kind, digest=digest).select_related("imported_by")
    if earlier.exists():
        first = earlier.get()
        return HistoryOutcome(kind=kind, rows=first.rows, created=0, skipped=first.rows, earlier=first)
    header, lines = read_table(io.BytesIO(data), name=name)
    rows = _rows(importer, header, lines)
    check = Check(acting_user=acting_user, county=county, now=now or timezone.now())
    items = importer.plan(check, rows)
    if check.errors:
        raise ImportRejected(check.errors)
    if not items:
        return HistoryOutcome(kind=kind, rows=len(rows), created=0, skipped=check.present)
    made: list[Model] = []
    refused: list[CellError] = []
    for item in items:
        try:
            with transaction.atomic():  # a refused row leaves nothing; the rows before it stay for those after
                made += importer.save(check, item)
        except (ValidationError, PermissionDenied, Http404) as exc:
            refused += _refusals(importer, item.line, exc)
    if refused:
        raise ImportRejected(sorted(refused, key=lambda e: e.row))
    try:
        history = _record(
            acting_user,
            county=county,
            kind=kind,
            file_name=Path(name).name[:255] or "-",
            digest=digest,
            rows=len(rows),
            created=len(items),
            skipped=check.present,
            imported_at=check.now,
        )
    except IntegrityError:  # the same file, imported at the same moment by another request: that one stands
        raise ImportRejected([CellError(0, "", _("此文件刚刚已由另一次导入导入，本次未做任何修改。"))]) from None
    _link(history, made)
    log_event(
        actor=acting_user,
        obj=history,
        message="history_import",
        data={"kind": kind, "file": history.file_name, "digest": digest, "rows": len(rows), "created": len(items)},
    )
    return HistoryOutcome(kind=kind, rows=len(rows), created=len(items), skipped=check.present, history=history)


def _record(acting_user: User, **fields: Any) -> HistoryImport:
    with transaction.atomic(), acting(acting_user):
        return HistoryImport.objects.create(imported_by=acting_user, **fields)


def _link(history: HistoryImport, records: Sequence[Model]) -> None:
    types = ContentType.objects.get_for_models(*{type(r) for r in records})
    ImportedRecord.objects.bulk_create(
        ImportedRecord(history_import=history, content_type=types[type(r)], object_id=r.pk) for r in records
    )
