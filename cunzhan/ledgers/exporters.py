"""Export of a ledger selection to .xlsx (xlsxwriter, constant memory) or .csv.

Personal data is masked by default. Unmasked export is for the keeper of the rows' own station,
and for the county office when it records a reason (written to the operation log).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.audit import log_event
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.roles import Role
from cunzhan.core.tabular import workbook, write_csv, write_xlsx
from cunzhan.ledgers.selectors import EntryFilter, filtered_entries_for_user, masked_value
from cunzhan.ledgers.specs import STATION_HEADER, LedgerSpec, spec_for

EXTRA_HEADERS = ["登记时间", "来源"]


def export_header(spec: LedgerSpec) -> list[str]:
    return [*spec.headers, *EXTRA_HEADERS]


def export_rows(spec: LedgerSpec, entries: QuerySet, *, unmasked: bool) -> Iterator[list[Any]]:
    """One row per entry, in the import template's column order (an export can be re-imported)."""
    fields = spec.fields
    columns = {c.field: c for c in spec.columns}
    choice_labels = {c.field: dict(c.choices) for c in spec.columns if c.choices}
    values = entries.order_by("station__code", "occurred_on", "pk").values_list(
        "station__code", *fields, "recorded_at", "batch_id"
    )
    for row in values.iterator(chunk_size=5000):
        code, *data, recorded_at, batch_id = row
        out: list[Any] = [code]
        for field, value in zip(fields, data, strict=True):
            kind = columns[field].kind
            if field in choice_labels:
                value = str(choice_labels[field].get(value, value))
            elif kind == "bool":
                value = _("是") if value else _("否")
            elif kind == "datetime" and value is not None:
                value = timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M")
            elif kind in ("amount", "quantity"):
                value = float(value)
            out.append(masked_value(spec, field, value, unmasked))
        out.append(timezone.localtime(recorded_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"))
        out.append(_("导入 #%(id)s") % {"id": batch_id} if batch_id else _("手工录入"))
        yield out


def check_unmasked(user: Any, entries: QuerySet, reason: str) -> None:
    """Refuse an unmasked export the user may not make (the keeper: own station only; the county
    office: with a reason)."""
    if not user.scope.can("pii.export"):
        raise PermissionDenied(_("您的角色不能导出未脱敏的个人信息。"))
    if user.role == Role.KEEPER:
        if entries.exclude(station_id=user.station_id).exists():
            raise PermissionDenied(_("只能导出本站的未脱敏信息。"))
    elif not reason.strip():
        raise ValidationError({"reason": _("导出未脱敏的个人信息须填写理由。")})


def export_ledger(
    *,
    acting_user: Any,
    kind: str,
    target: IO,
    fmt: str = "xlsx",
    entry_filter: EntryFilter | None = None,
    unmasked: bool = False,
    reason: str = "",
) -> int:
    """Write the user's selection of a ledger to ``target`` (binary for xlsx, text for csv)."""
    acting_user.scope.require("ledger.export")
    spec = spec_for(kind)
    entries = filtered_entries_for_user(acting_user, kind, entry_filter or EntryFilter())
    if unmasked:
        check_unmasked(acting_user, entries, reason)
    count = entries.count()
    if unmasked or count:
        log_event(
            actor=acting_user,
            obj=acting_user,
            message="ledger_export",
            data={"kind": kind, "rows": count, "unmasked": unmasked, "reason": reason.strip()},
        )
    rows = export_rows(spec, entries, unmasked=unmasked)
    if fmt == "csv":
        write_csv(target, export_header(spec), rows)
    elif fmt == "xlsx":
        write_xlsx(target, export_header(spec), rows, sheet=spec.label)
    else:
        raise ValidationError(_("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
    return count


def template_rows(spec: LedgerSpec, station_code: str = "JX-0001") -> list[list[Any]]:
    """The template's example row."""
    return [[station_code, *(c.example for c in spec.columns)]]


def write_template(spec: LedgerSpec, target: IO, fmt: str = "xlsx") -> None:
    """A blank template with Chinese headers and one example row."""
    if fmt == "csv":
        write_csv(target, spec.headers, template_rows(spec))
        return
    book = workbook(target, in_memory=True)
    sheet = book.add_worksheet(spec.label)
    bold = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    text = book.add_format({"num_format": "@"})
    hint = book.add_format({"italic": True, "font_color": "#7F7F7F"})
    for col, title in enumerate(spec.headers):
        sheet.write_string(0, col, title, bold)
        column = spec.columns[col - 1] if col else None
        # phone and ID numbers as text, or Excel drops digits
        is_text = column is None or column.kind in ("text", "phone", "id_number", "choice")
        sheet.set_column(col, col, max(12, len(title) * 2 + 2), text if is_text else None)
    for col, value in enumerate(template_rows(spec)[0]):
        sheet.write(1, col, value, hint)
    notes = book.add_worksheet(_("填写说明"))
    notes.write_row(0, 0, [_("列"), _("必填"), _("说明")], bold)
    notes.write_row(1, 0, [STATION_HEADER, _("是"), _("服务站编码，如 JX-0001")])
    for row, column in enumerate(spec.columns, start=2):
        notes.write_row(row, 0, [column.header, _("是") if column.required else _("否"), _hint(column)])
    notes.set_column(0, 0, 24)
    notes.set_column(2, 2, 60)
    book.close()


def _hint(column) -> str:
    hints = {
        "date": _("日期，如 2025-03-01，不能晚于今天"),
        "datetime": _("日期和时间，如 2025-03-01 14:30"),
        "amount": _("金额（元），不能为负数，最多两位小数"),
        "quantity": _("数量，大于 0，最多三位小数"),
        "phone": _("11 位手机号"),
        "id_number": _("18 位身份证号（校验位须正确）"),
        "bool": _("填“是”或“否”"),
        "text": _("最多 %(n)d 个字") % {"n": column.max_length},
    }
    if column.kind == "choice":
        return _("可填：%(labels)s") % {"labels": "、".join(str(label) for _c, label in column.choices)}
    return hints.get(column.kind, "")
