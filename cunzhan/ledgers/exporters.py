"""Export of a ledger selection to .xlsx (xlsxwriter, constant memory) or .csv.

Personal data is masked by default. Unmasked export is for the keeper of the rows' own station,
and for the county office when it records a reason (written to the operation log).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.audit import log_event
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.import_templates import ReferenceList, TemplateColumn, platform_list, write_import_template
from cunzhan.core.roles import Role
from cunzhan.core.tabular import EXPLANATION_MARK, write_csv, write_xlsx
from cunzhan.ledgers.selectors import MASKERS, EntryFilter, filtered_entries_for_user
from cunzhan.ledgers.specs import STATION_HEADER, LedgerSpec, spec_for
from cunzhan.stations.models import Station
from cunzhan.stations.references import places_for

if TYPE_CHECKING:
    from cunzhan.accounts.models import User

EXTRA_HEADERS = ["登记时间", "来源"]
TEMPLATE_STATIONS = 5000  # listed on a template's 参考 sheet (a county has a few hundred)
YES_NO = "是/否"
MEMO_SIZE = 4096  # texts of recording times and sources an export keeps for rows that repeat them


def export_header(spec: LedgerSpec) -> list[str]:
    return [*spec.headers, *EXTRA_HEADERS]


def export_rows(spec: LedgerSpec, entries: QuerySet, *, unmasked: bool) -> Iterator[list[Any]]:
    """One row per entry, in the import template's column order (an export can be re-imported). Each row
    is built once, by a conversion per column worked out before the first row."""
    fields = spec.fields
    convert = [_converter(spec, column, unmasked) for column in spec.columns]
    plain = [f is None for f in convert]
    imported, manual = _("导入 #%(id)s"), _("手工录入")
    # an import's rows share their time and batch: each text made once (a few thousand kept at most)
    recorded_texts: dict[Any, str] = {}
    source_texts: dict[Any, str] = {}
    values = entries.order_by("station__code", "occurred_on", "pk").values_list(
        "station__code", *fields, "recorded_at", "batch_id"
    )
    for row in values.iterator(chunk_size=5000):
        code, *data, recorded_at, batch_id = row
        out: list[Any] = [code]
        out += [v if p else f(v) for v, p, f in zip(data, plain, convert, strict=True)]  # type: ignore[misc]
        recorded = recorded_texts.get(recorded_at)
        if recorded is None:
            if len(recorded_texts) > MEMO_SIZE:
                recorded_texts.clear()
            recorded = recorded_texts[recorded_at] = timezone.localtime(recorded_at, SHANGHAI).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
        source = source_texts.get(batch_id)
        if source is None:
            if len(source_texts) > MEMO_SIZE:
                source_texts.clear()
            source = source_texts[batch_id] = imported % {"id": batch_id} if batch_id else manual
        out.append(recorded)
        out.append(source)
        yield out


def _converter(spec: LedgerSpec, column: Any, unmasked: bool) -> Callable[[Any], Any] | None:
    """How a column's stored value becomes its exported cell (None: as it is): choices by their label,
    yes/no in words, times in Shanghai, numbers as numbers, personal data masked unless ``unmasked``."""
    field, kind = column.field, column.kind
    convert: Callable[[Any], Any] | None = None
    if column.choices:
        labels = {value: str(label) for value, label in column.choices}
        convert = lambda value: labels.get(value, str(value))  # noqa: E731
    elif kind == "bool":
        yes, no = _("是"), _("否")
        convert = lambda value: yes if value else no  # noqa: E731
    elif kind == "datetime":
        convert = lambda value: (  # noqa: E731
            None if value is None else timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M")
        )
    elif kind in ("amount", "quantity"):
        convert = float
    if unmasked or field not in spec.pii_fields:
        return convert
    mask = MASKERS[field]
    if convert is None:
        return lambda value: mask(value or "")
    converted = convert
    return lambda value: mask(converted(value) or "")


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
    acting_user: User,
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


def template_rows(spec: LedgerSpec, station_code: str) -> list[list[Any]]:
    """The template's example row, at one of the user's own stations."""
    return [[station_code, *(c.example for c in spec.columns)]]


def write_template(spec: LedgerSpec, target: IO, fmt: str = "xlsx", *, user: Any) -> None:
    """A template for ``user``: the Chinese headers, a row saying each column's format, an example row
    at one of the user's stations; in .xlsx also drop-down lists for the fixed values (and the platforms
    as a suggestion) and a 参考 sheet with the user's stations and the county's townships, villages and
    operating units (cunzhan.core.import_templates)."""
    stations = list(
        user.scope.filter(Station.objects.all()).order_by("code").values_list("code", "name")[:TEMPLATE_STATIONS]
    )
    example = stations[0][0] if stations else _("站点编码")
    hints = [_("服务站编码（见“参考”工作表）"), *(_hint(c) for c in spec.columns)]
    if fmt == "csv":
        explanation = [EXPLANATION_MARK + hints[0], *hints[1:]]
        write_csv(target, spec.headers, [explanation, *template_rows(spec, example)])
        return
    references = [
        ReferenceList(STATION_HEADER, [c for c, _n in stations], note=_("站点名称"), labels=[n for _c, n in stations])
    ]
    columns = [TemplateColumn(STATION_HEADER, hints[0], required=True, choices=STATION_HEADER, text=True)]
    for column, hint in zip(spec.columns, hints[1:], strict=True):
        choices = ""
        if column.kind == "choice":
            choices = column.header
            references.append(ReferenceList(column.header, [str(label) for _c, label in column.choices]))
        elif column.kind == "bool":
            choices = YES_NO
        elif column.platforms:
            choices = column.header
            references.append(platform_list(column.header))
        # phone and ID numbers as text, or Excel drops digits
        is_text = column.kind in ("text", "phone", "id_number", "choice")
        columns.append(
            TemplateColumn(
                column.header,
                hint,
                required=column.required,
                choices=choices,
                text=is_text,
                other_allowed=column.platforms,
            )
        )
    if any(c.kind == "bool" for c in spec.columns):
        references.append(ReferenceList(YES_NO, [_("是"), _("否")]))
    references += places_for(user).lists(omit=(STATION_HEADER,))  # the user's stations are listed first
    write_import_template(
        target, sheet=spec.label, columns=columns, examples=template_rows(spec, example), references=references
    )


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
    if column.platforms:
        return _("可从下拉列表选，也可直接填写其他网店或平台；最多 %(n)d 个字") % {"n": column.max_length}
    return hints.get(column.kind, "")
