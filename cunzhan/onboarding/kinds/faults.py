"""Past equipment faults (设备报修): which public asset of which station failed, whether it stopped normal
operation, when it was reported and when repaired — item 1 is 0 in every half-year a fault that stopped
operation stayed unrepaired too long.

The asset is named by its 资产编号, or, where it has none, by its kind (电脑, 路由器 …) when the station has
one asset of that kind. A station with no asset of the kind named gets one registered from the row: a
county bringing its history may not have entered every station's assets yet. Written through
:mod:`cunzhan.stations.assets` with the real times, in the order they were reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from cunzhan.core.dates import SHANGHAI
from cunzhan.core.import_templates import ReferenceList, TemplateColumn
from cunzhan.onboarding.importing import (
    COL_STATION,
    YES_NO,
    Check,
    HistoryImporter,
    Item,
    Row,
    chinese,
    example_codes,
    halves_between,
    shown,
    station_column,
    station_list,
    yes_no_list,
)
from cunzhan.onboarding.models import HistoryKind
from cunzhan.stations import assets
from cunzhan.stations.models import AssetCondition, AssetKind, FaultReport, PublicAsset, Station

COL_ASSET, COL_DESCRIPTION, COL_STOPS = "资产", "故障描述", "影响正常营业"
COL_REPORTED, COL_REPAIRED, COL_NOTE = "报修时间", "修复时间", "维修说明"
KINDS = tuple((code, chinese(label)) for code, label in AssetKind.choices)
FOREVER = datetime(9999, 1, 1, tzinfo=SHANGHAI)  # the end of a fault not repaired


@dataclass
class NewAsset:
    """An asset to register with the first fault that names it."""

    station: Station
    kind: str
    asset: PublicAsset | None = None


@dataclass(frozen=True)
class Breakdown(Item):
    station: Station
    asset: PublicAsset | None
    new_asset: NewAsset | None
    description: str
    stops_operation: bool
    reported_at: datetime
    repaired_at: datetime | None
    note: str


class FaultsImporter(HistoryImporter):
    kind = HistoryKind.FAULTS
    sheet = "设备报修"
    required = (COL_STATION, COL_ASSET, COL_DESCRIPTION, COL_REPORTED)
    fields = {"reported_at": COL_REPORTED, "repaired_at": COL_REPAIRED, "description": COL_DESCRIPTION}

    def headers(self) -> list[str]:
        return [COL_STATION, COL_ASSET, COL_DESCRIPTION, COL_STOPS, COL_REPORTED, COL_REPAIRED, COL_NOTE]

    def columns(self, check: Check) -> list[TemplateColumn]:
        return [
            station_column(),
            TemplateColumn(
                COL_ASSET,
                _("资产编号；没有编号的填资产类别，如 电脑（见“参考”工作表；该站没有这类资产时一并登记）"),
                required=True,
                text=True,
                width=16,
            ),
            TemplateColumn(COL_DESCRIPTION, _("故障情况"), required=True, width=24),
            TemplateColumn(COL_STOPS, _("是否影响正常营业：是或否，不填为否"), choices=YES_NO, width=12),
            TemplateColumn(COL_REPORTED, _("报修的日期和时间，如 2025-03-02 09:00"), required=True, width=18),
            TemplateColumn(COL_REPAIRED, _("修复的日期和时间；至今未修复的不填"), width=18),
            TemplateColumn(COL_NOTE, _("可不填"), width=18),
        ]

    def references(self, check: Check) -> list[ReferenceList]:
        return [station_list(check), ReferenceList(_("资产类别"), [label for _code, label in KINDS]), yes_no_list()]

    def examples(self, check: Check) -> list[list[Any]]:
        year = check.today.year - 1
        a, b = example_codes(check, 2)
        return [
            [a, "电脑", "无法开机", "是", f"{year}-03-02 09:00", f"{year}-03-05 16:00", "更换电源"],
            [b, "路由器", "网络时断时续", "否", f"{year}-04-11 10:00", f"{year}-04-12 11:00", ""],
        ]

    def plan(self, check: Check, rows: list[Row]) -> list[Any]:
        station_ids = [s.pk for s in check.stations.values()]
        held_assets = list(PublicAsset.objects.filter(station_id__in=station_ids))
        held_faults: dict[int, list[FaultReport]] = {}
        for fault in FaultReport.objects.filter(station_id__in=station_ids).order_by("reported_at"):
            held_faults.setdefault(fault.asset_id, []).append(fault)
        new_assets: dict[tuple[int, str], NewAsset] = {}
        spans: dict[tuple[Any, ...], list[tuple[int, datetime, datetime | None]]] = {}
        items: list[Breakdown] = []
        for row in rows:
            station = check.station(row)
            description = check.words(row, COL_DESCRIPTION, max_length=2000)
            stops = check.flag(row, COL_STOPS)
            reported_at = check.moment(row, COL_REPORTED)
            repaired_at = check.moment(row, COL_REPAIRED, required=False)
            note = check.words(row, COL_NOTE, max_length=255, required=False)
            asset, new_asset = _asset(check, row, station, held_assets, new_assets)
            if station is None or description is None or stops is None or reported_at is None or note is None:
                continue
            if (asset is None and new_asset is None) or (row.text(COL_REPAIRED) and repaired_at is None):
                continue
            if repaired_at is not None and repaired_at < reported_at:
                check.error(
                    row,
                    COL_REPAIRED,
                    _("修复时间 %(repaired)s 早于报修时间 %(reported)s")
                    % {"repaired": shown(repaired_at), "reported": shown(reported_at)},
                )
                continue
            # the fault counts in every half-year it was open (DOMAIN.md: a fault across periods)
            if not check.unpublished(row, COL_REPORTED, halves_between(reported_at, repaired_at or check.now)):
                continue
            if asset is not None:
                same = _held_same(check, row, held_faults.get(asset.pk, []), reported_at, repaired_at, description)
                if same is not None:
                    if same:
                        check.present += 1
                    continue
            which = ("held", asset.pk) if asset else ("new", station.pk, new_asset.kind if new_asset else "")
            if not _free(check, row, spans.setdefault(which, []), reported_at, repaired_at):
                continue
            items.append(
                Breakdown(row.line, station, asset, new_asset, description, stops, reported_at, repaired_at, note or "")
            )
        # written in the order they happened: an asset's earlier fault is repaired before the next is reported
        return sorted(items, key=lambda item: item.reported_at)

    def save(self, check: Check, item: Any) -> list[Model]:
        made: list[Model] = []
        asset = item.asset
        if asset is None:
            if item.new_asset.asset is None:
                item.new_asset.asset = assets.asset_add(
                    acting_user=check.acting_user, station=item.station, kind=item.new_asset.kind
                )
                made.append(item.new_asset.asset)
            asset = item.new_asset.asset
        fault = assets.fault_report(
            acting_user=check.acting_user,
            asset=asset,
            description=item.description,
            stops_operation=item.stops_operation,
            reported_at=item.reported_at,
        )
        if item.repaired_at is not None:
            assets.fault_repair(
                acting_user=check.acting_user, fault=fault, repaired_at=item.repaired_at, repair_note=item.note
            )
        return [*made, fault]


def _asset(
    check: Check,
    row: Row,
    station: Station | None,
    held: list[PublicAsset],
    new: dict[tuple[int, str], NewAsset],
) -> tuple[PublicAsset | None, NewAsset | None]:
    """The asset the row names: by its number, or by its kind (one of the station's, or one to register)."""
    text = row.text(COL_ASSET)
    if not text:
        check.error(row, COL_ASSET, _("必填"))
        return None, None
    if station is None:
        return None, None
    own = [a for a in held if a.station_id == station.pk]
    numbered = [a for a in own if a.serial_no and a.serial_no == text]
    if numbered:
        return _usable(check, row, numbered[0]), None
    kind = next((code for code, label in KINDS if text in (label, code)), None)
    if kind is None:
        check.error(
            row,
            COL_ASSET,
            _("“%(value)s”不是服务站 %(code)s 的资产编号，也不是资产类别（见“参考”工作表）")
            % {"value": text, "code": station.code},
        )
        return None, None
    of_kind = [
        a for a in own if a.kind == kind and a.condition not in (AssetCondition.SCRAPPED, AssetCondition.RETURNED)
    ]
    if len(of_kind) > 1:
        check.error(
            row, COL_ASSET, _("服务站 %(code)s 有多件“%(kind)s”，请填资产编号") % {"code": station.code, "kind": text}
        )
        return None, None
    if of_kind:
        return of_kind[0], None
    return None, new.setdefault((station.pk, kind), NewAsset(station=station, kind=kind))


def _usable(check: Check, row: Row, asset: PublicAsset) -> PublicAsset | None:
    if asset.condition in (AssetCondition.SCRAPPED, AssetCondition.RETURNED):
        check.error(
            row, COL_ASSET, _("该资产已%(condition)s，不能报修") % {"condition": chinese(asset.get_condition_display())}
        )
        return None
    return asset


def _held_same(
    check: Check,
    row: Row,
    held: list[FaultReport],
    reported_at: datetime,
    repaired_at: datetime | None,
    description: str,
) -> bool | None:
    """Whether the asset's faults already hold this one: True (the same: present), False (an error said
    why), None (not held: to import)."""
    for fault in held:
        if fault.reported_at == reported_at:
            if fault.repaired_at == repaired_at and fault.description == description:
                return True
            check.error(
                row,
                COL_REPORTED,
                _("该资产 %(at)s 的报修已登记，与本行不同；历史导入不修改已有的报修") % {"at": shown(reported_at)},
            )
            return False
    for fault in held:
        if fault.repaired_at is None:
            check.error(
                row,
                COL_ASSET,
                _("该资产有 %(at)s 报修、至今未修复的记录：请先登记其修复，再导入此前的报修")
                % {"at": shown(fault.reported_at)},
            )
            return False
        if fault.reported_at < (repaired_at or FOREVER) and reported_at < fault.repaired_at:
            check.error(
                row,
                COL_REPORTED,
                _("与该资产 %(at)s 的报修时间重叠：同一资产上一次报修修复后才能再报修")
                % {"at": shown(fault.reported_at)},
            )
            return False
    return None


def _free(
    check: Check,
    row: Row,
    taken: list[tuple[int, datetime, datetime | None]],
    reported_at: datetime,
    end: datetime | None,
) -> bool:
    """The asset's faults in the file do not overlap (nor follow one left unrepaired)."""
    for line, start, stop in taken:
        if start < (end or FOREVER) and reported_at < (stop or FOREVER):
            check.error(
                row,
                COL_REPORTED,
                _("与第 %(line)d 行同一资产的报修时间重叠：上一次修复后才能再报修") % {"line": line},
            )
            return False
    taken.append((row.line, reported_at, end))
    return True
