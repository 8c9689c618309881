"""Bulk import of the stations' public assets (公共资产, Jia 第四条一) from a template (.xlsx, or .csv with
the same headers): a county bringing its stations brings the computers, signs and shelves it handed
out. The whole file is checked first, every bad cell named by row and column, and nothing is saved
unless there is no error; the save is one transaction.

An asset the station already has (the same kind, name, number and acquisition date) is refused, and so
is one that repeats an earlier row of the file (several of a kind are one row with its quantity): so a
file imported twice changes nothing, and says so as a whole.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from cunzhan.core.audit import log_event
from cunzhan.core.dates import local_now
from cunzhan.core.import_templates import ReferenceList, TemplateColumn, write_import_template
from cunzhan.core.tabular import CellError, ImportRejected, check_header, read_table
from cunzhan.stations import history
from cunzhan.stations.models import FIXED_ASSET_KINDS, AssetKind, PublicAsset, Station
from cunzhan.stations.references import places_for

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # settings.AUTH_USER_MODEL: accounts.User, a layer above

COL_STATION, COL_KIND, COL_NAME, COL_SERIAL = "站点编码", "资产类别", "名称/型号", "资产编号"
COL_QUANTITY, COL_ACQUIRED, COL_NOTE = "数量", "配发日期", "备注"
HEADERS = (COL_STATION, COL_KIND, COL_NAME, COL_SERIAL, COL_QUANTITY, COL_ACQUIRED, COL_NOTE)
LIMITS = {COL_STATION: 32, COL_NAME: 128, COL_SERIAL: 64, COL_NOTE: 255}
KIND_BY_TEXT = {**{str(label): value for value, label in AssetKind.choices}, **{v: v for v in AssetKind.values}}
TEMPLATE_STATIONS = 5000
MAX_QUANTITY = 999


@dataclass(frozen=True)
class AssetImportSummary:
    created: int
    stations: int

    def message(self) -> str:
        return _("已导入 %(n)d 项公共资产，涉及 %(s)d 个服务站。") % {"n": self.created, "s": self.stations}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _quantity(text: str) -> int:
    if not text:
        return 1
    number = Decimal(text)
    if number != number.to_integral_value() or not 1 <= number <= MAX_QUANTITY:
        raise ValueError
    return int(number)


def _parse(
    row: list[Any], positions: dict[str, int], line: int, errors: list[CellError]
) -> tuple[dict[str, Any], bool]:
    """The row's values, and whether they are all good (the station is looked up for every row)."""

    def cell(header: str) -> Any:
        index = positions[header]
        return row[index] if index < len(row) else None

    def error(header: str, message: str) -> None:
        errors.append(CellError(line, header, message))

    before = len(errors)
    values: dict[str, Any] = {h: _text(cell(h)) for h in (COL_STATION, COL_KIND, COL_NAME, COL_SERIAL, COL_NOTE)}
    for header in (COL_STATION, COL_KIND):
        if not values[header]:
            error(header, _("不能为空"))
    for header, limit in LIMITS.items():
        if len(values[header]) > limit:
            error(header, _("不能超过 %(n)d 个字") % {"n": limit})
    if values[COL_KIND]:
        values[COL_KIND] = KIND_BY_TEXT.get(values[COL_KIND])
        if values[COL_KIND] is None:
            labels = "、".join(str(label) for _v, label in AssetKind.choices)
            error(COL_KIND, _("应为 %(labels)s 之一（见下拉列表）") % {"labels": labels})
    quantity = _text(cell(COL_QUANTITY))
    try:
        values[COL_QUANTITY] = _quantity(quantity)
    except (InvalidOperation, ValueError):
        error(COL_QUANTITY, _("“%(value)s”应为 1 到 %(max)d 的整数") % {"value": quantity[:30], "max": MAX_QUANTITY})
    try:
        acquired = history.parse_date(cell(COL_ACQUIRED))
    except history.DateInvalid as exc:
        error(COL_ACQUIRED, exc.message)
        acquired = None
    if acquired is not None and acquired > local_now().date():
        error(COL_ACQUIRED, _("配发日期 %(date)s 晚于今天") % {"date": acquired.isoformat()})
    elif acquired is not None and acquired < history.EARLIEST:
        error(COL_ACQUIRED, _("配发日期 %(date)s 早于 2000 年，请检查") % {"date": acquired.isoformat()})
    values[COL_ACQUIRED] = acquired
    return values, len(errors) == before


def _identity(station_id: int, values: dict[str, Any]) -> tuple[Any, ...]:
    return (station_id, values[COL_KIND], values[COL_NAME], values[COL_SERIAL], values[COL_ACQUIRED])


def validate(source: str | IO[bytes], *, acting_user: User, name: str | None = None) -> list[dict[str, Any]]:
    """Every row as asset values (the station resolved); ImportRejected listing every problem."""
    acting_user.scope.require("asset.manage")
    header, rows = read_table(source, name=name)
    positions = check_header(header, HEADERS)
    errors: list[CellError] = []
    parsed: list[tuple[int, dict[str, Any], bool]] = []
    for line, row in enumerate(rows, start=2):
        if all(_text(v) == "" for v in row):
            continue
        parsed.append((line, *_parse(row, positions, line, errors)))
    if not parsed:
        raise ImportRejected([CellError(2, "", _("文件中没有数据行"))])

    codes = {v[COL_STATION] for _l, v, _ok in parsed if v[COL_STATION]}
    stations = {s.code: s for s in acting_user.scope.filter(Station.objects.filter(code__in=codes))}
    existing = set(
        PublicAsset.objects.filter(station__in=stations.values()).values_list(
            "station_id", "kind", "name", "serial_no", "acquired_on"
        )
    )
    serials = {(sid, serial) for sid, _k, _n, serial, _d in existing if serial}
    seen: dict[tuple[Any, ...], int] = {}
    seen_serials: dict[tuple[int, str], int] = {}
    good, already = [], 0
    for line, values, ok in parsed:
        station = stations.get(values[COL_STATION])
        if station is None and values[COL_STATION]:
            message = _("服务站 %(code)s 不存在或不在您的管辖范围内") % {"code": values[COL_STATION]}
            errors.append(CellError(line, COL_STATION, message))
        if station is None or not ok:
            continue
        key, serial = _identity(station.pk, values), (station.pk, values[COL_SERIAL])
        if key in existing:
            already += 1
            errors.append(CellError(line, "", _("服务站 %(code)s 已登记相同的资产") % {"code": station.code}))
        elif key in seen:
            errors.append(
                CellError(line, "", _("与第 %(line)d 行相同（同类资产有多件请填写数量）") % {"line": seen[key]})
            )
        elif values[COL_SERIAL] and serial in serials:
            errors.append(CellError(line, COL_SERIAL, _("资产编号 %(no)s 已登记在该站点") % {"no": values[COL_SERIAL]}))
        elif values[COL_SERIAL] and serial in seen_serials:
            errors.append(
                CellError(line, COL_SERIAL, _("与第 %(line)d 行的资产编号重复") % {"line": seen_serials[serial]})
            )
        else:
            seen[key] = line
            if values[COL_SERIAL]:
                seen_serials[serial] = line
            good.append({**values, "station": station})
    if already and already == len(errors) == len(parsed):  # every row, and nothing else
        message = _("文件中的 %(n)d 项资产均已登记（此文件可能已导入过），未做任何修改。") % {"n": already}
        raise ImportRejected([CellError(0, "", message)])
    if errors:
        errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else -1))
        raise ImportRejected(errors)
    return good


@transaction.atomic
def import_assets(source: str | IO[bytes], *, acting_user: User, name: str | None = None) -> AssetImportSummary:
    rows = validate(source, acting_user=acting_user, name=name)
    assets = [
        PublicAsset(
            station=values["station"],
            kind=values[COL_KIND],
            name=values[COL_NAME],
            serial_no=values[COL_SERIAL],
            quantity=values[COL_QUANTITY],
            acquired_on=values[COL_ACQUIRED],
            note=values[COL_NOTE],
            movable=values[COL_KIND] not in FIXED_ASSET_KINDS,
        )
        for values in rows
    ]
    # bulk inserts skip auditlog's per-row signals: the import is logged as one event below
    PublicAsset.objects.bulk_create(assets, batch_size=1000)
    stations = {values["station"].pk for values in rows}
    log_event(
        actor=acting_user,
        obj=rows[0]["station"],
        message="asset import",
        data={
            "file": name or getattr(source, "name", "") or str(source),
            "sha256": history.file_digest(source),
            "assets": len(assets),
            "stations": len(stations),
        },
    )
    return AssetImportSummary(created=len(assets), stations=len(stations))


def write_template(target: IO[bytes], *, user: Any) -> None:
    """The asset template for ``user``: the user's stations on the 参考 sheet (with the county's townships,
    villages and operating units) and in the examples, the asset kinds as a drop-down list."""
    stations = list(user.scope.filter(Station.objects.order_by("code")).values_list("code", "name")[:TEMPLATE_STATIONS])
    code = stations[0][0] if stations else "610828-0001"
    acquired = (local_now().date().replace(day=1) - timedelta(days=365)).replace(day=1).isoformat()
    write_import_template(
        target,
        sheet="公共资产",
        columns=[
            TemplateColumn(COL_STATION, _("服务站编码（见“参考”）"), required=True, choices=COL_STATION, text=True),
            TemplateColumn(COL_KIND, _("从下拉列表选择"), required=True, choices=COL_KIND),
            TemplateColumn(COL_NAME, _("品牌型号或说明"), width=20),
            TemplateColumn(COL_SERIAL, _("资产编号或序列号，可不填"), text=True, width=16),
            TemplateColumn(COL_QUANTITY, _("整数，不填为 1")),
            TemplateColumn(COL_ACQUIRED, _("日期，如 2024-05-10")),
            TemplateColumn(COL_NOTE, _("可不填")),
        ],
        examples=[
            (code, str(AssetKind.COMPUTER.label), "联想 启天 M430", f"{code}-ZC-01", "1", acquired, ""),
            (code, str(AssetKind.DESKS_CHAIRS.label), "办公桌椅（套）", "", "2", acquired, ""),
        ],
        references=[
            ReferenceList(COL_STATION, [c for c, _n in stations], note=_("站点名称"), labels=[n for _c, n in stations]),
            ReferenceList(COL_KIND, [str(label) for _v, label in AssetKind.choices]),
            *places_for(user).lists(omit=(COL_STATION,)),
        ],
    )


def template_bytes(user: Any) -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, user=user)
    return buffer.getvalue()
