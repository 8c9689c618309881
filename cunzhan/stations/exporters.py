"""Exports: the station register (Excel) and the certified-station report for the city and
province (JSON and Excel, format ``cunzhan.certified-stations`` version 1, see
docs/station-export.md). Rows are generated once and written by the shared writers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from cunzhan.core.tabular import write_xlsx
from cunzhan.stations.models import Station

CERTIFIED_FORMAT = "cunzhan.certified-stations"
CERTIFIED_VERSION = 1


def _date(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _yes(value: bool) -> str:
    return "是" if value else "否"


# -- the register (everything the record holds, for the county's own use) ---------------------

REGISTER_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("站点编码", lambda s: s.code),
    ("站点名称", lambda s: s.name),
    ("牌匾名称", lambda s: s.signboard_name),
    ("层级", lambda s: s.get_tier_display()),
    ("状态", lambda s: s.get_status_display()),
    ("服务区域代码", lambda s: s.region_id),
    ("服务区域", lambda s: s.region.name),
    ("运营单位", lambda s: s.operating_unit.name if s.operating_unit else ""),
    ("经营地址", lambda s: s.address),
    ("经度", lambda s: _num(s.longitude)),
    ("纬度", lambda s: _num(s.latitude)),
    ("实际使用面积（㎡）", lambda s: _num(s.usable_area)),
    ("服务常住人口", lambda s: s.resident_population if s.resident_population is not None else ""),
    ("贫困人口占比（%）", lambda s: _num(s.poor_share)),
    ("合作平台", lambda s: s.platforms),
    ("宽带网络", lambda s: _yes(s.has_broadband)),
    ("电脑/显示设备或移动终端", lambda s: _yes(s.has_terminal)),
    ("货架", lambda s: _yes(s.has_shelves)),
    ("展示柜", lambda s: _yes(s.has_display_cabinet)),
    ("快递收发设施", lambda s: _yes(s.has_parcel_facilities)),
    ("营业时间", lambda s: s.opening_hours),
    ("服务项目", lambda s: s.service_items),
    ("收费标准", lambda s: s.fees),
    ("监督投诉渠道", lambda s: s.complaint_channel),
    ("联系电话", lambda s: s.contact_phone),
    ("认定授牌日期", lambda s: _date(s.certified_at)),
    ("合作协议编号", lambda s: s.agreement_no),
    ("协议终止日期", lambda s: s.agreement_end.isoformat() if s.agreement_end else ""),
    ("最近台账活动", lambda s: _date(s.last_activity_at)),
)


def register_rows(stations: QuerySet[Station]) -> Iterator[list[Any]]:
    for station in stations.select_related("region", "operating_unit").iterator(chunk_size=2000):
        yield [get(station) for _h, get in REGISTER_COLUMNS]


def write_register_xlsx(target: IO[bytes], stations: QuerySet[Station]) -> None:
    write_xlsx(target, [h for h, _g in REGISTER_COLUMNS], register_rows(stations), sheet="服务站台账")


# -- certified stations for upward reporting (a stable, versioned format) -----------------------

# (key, Chinese header, getter): keys and order are part of the documented format; add, never rename
CERTIFIED_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("code", "站点编码", lambda s: s.code),
    ("name", "站点名称", lambda s: s.name),
    ("signboard_name", "牌匾名称", lambda s: s.signboard_name),
    ("tier", "层级代码", lambda s: s.tier),
    ("tier_name", "层级", lambda s: str(s.get_tier_display())),
    ("region_code", "服务区域代码", lambda s: s.region_id),
    ("region_name", "服务区域", lambda s: s.region.name),
    ("county_code", "县级区划代码", lambda s: s.county_code),
    ("address", "经营地址", lambda s: s.address),
    ("longitude", "经度", lambda s: _num(s.longitude)),
    ("latitude", "纬度", lambda s: _num(s.latitude)),
    ("operating_unit", "运营单位", lambda s: s.operating_unit.name if s.operating_unit else ""),
    (
        "operating_unit_credit_code",
        "运营单位统一社会信用代码",
        lambda s: s.operating_unit.credit_code if s.operating_unit else "",
    ),
    ("status", "状态代码", lambda s: s.status),
    ("status_name", "状态", lambda s: str(s.get_status_display())),
    ("certified_on", "认定授牌日期", lambda s: _date(s.certified_at)),
    ("agreement_no", "合作协议编号", lambda s: s.agreement_no),
    ("usable_area", "实际使用面积（㎡）", lambda s: _num(s.usable_area)),
    ("resident_population", "服务常住人口", lambda s: s.resident_population),
    ("poor_share", "贫困人口占比（%）", lambda s: _num(s.poor_share)),
    ("platforms", "合作平台", lambda s: s.platforms),
    ("opening_hours", "营业时间", lambda s: s.opening_hours),
    ("service_items", "服务项目", lambda s: s.service_items),
    ("fees", "收费标准", lambda s: s.fees),
    ("complaint_channel", "监督投诉渠道", lambda s: s.complaint_channel),
    ("contact_phone", "联系电话", lambda s: s.contact_phone),
)


def certified_records(stations: QuerySet[Station]) -> Iterator[dict[str, Any]]:
    for station in stations.select_related("region", "operating_unit").order_by("code").iterator(2000):
        yield {key: get(station) for key, _h, get in CERTIFIED_FIELDS}


def certified_document(stations: QuerySet[Station], *, scope: str | None) -> dict[str, Any]:
    records = list(certified_records(stations))
    return {
        "format": CERTIFIED_FORMAT,
        "version": CERTIFIED_VERSION,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "scope": scope or "",
        "count": len(records),
        "stations": records,
    }


def write_certified_xlsx(target: IO[bytes], stations: QuerySet[Station]) -> None:
    """Row 1 the Chinese headers, then one row per station; the key row is documented, not written."""
    rows = ([record[key] for key, _h, _g in CERTIFIED_FIELDS] for record in certified_records(stations))
    write_xlsx(target, [h for _k, h, _g in CERTIFIED_FIELDS], rows, sheet="认定站点")
