"""The station import's template (cunzhan.core.import_templates), made for the downloading user: the
county's real region codes and operating units in the examples and on the 参考 sheet with its stations
already registered, drop-down lists for every column with a fixed set of values, and the platforms
offered (not imposed) in 合作平台."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cunzhan.core.dates import local_now
from cunzhan.core.import_templates import ReferenceList, TemplateColumn, platform_list, write_import_template
from cunzhan.regions.models import Level, Region
from cunzhan.stations import history, selectors
from cunzhan.stations.importers import BOOLEANS, COLUMNS, HEADERS, REQUIRED
from cunzhan.stations.models import Station, Status, Tier
from cunzhan.stations.references import TOWNSHIPS, UNITS, VILLAGES, places_for

EXAMPLE_ROW = (
    "610828-0101",
    "高家坬村电商服务点",
    "佳县电商扶贫工程高家坬村服务点",
    "村级服务点",
    "610828101201",
    "坑镇高家坬村村委会旁",
    "110.493",
    "38.021",
    "25",
    "860",
    "12.5",
    "佳县农村电商运营有限公司",
    "",
    "",
    "",
    "",
    "邮乐购、淘宝",
    "是",
    "是",
    "是",
    "是",
    "是",
    "每日 8:00–18:00",
    "代购、代销、快递收发、缴费充值",
    "代购：选品—下单—到货通知—取件",
    "当日事当日毕，不收取额外费用",
    "代购代销免费；快递代收 0.5 元/件",
    "县电商办 0912-0000000",
    "13800000000",
    "张三",
    "13900000000",
    "3",
    "2",
)


TEMPLATE_REGIONS = 5000  # the county's own region codes on the 参考 sheet (a county has a few hundred)
YES_NO = "是/否"
HINTS = {
    "code": _lazy("3–32 位字母、数字或连字符，全系统唯一"),
    "name": _lazy("站点名称"),
    "signboard_name": _lazy("牌匾文字，可不填"),
    "tier": _lazy("县级运营中心、乡镇服务站或村级服务点"),
    "region": _lazy("区划代码（见“参考”）：县级运营中心填县、乡镇服务站填乡镇、村级服务点填村"),
    "address": _lazy("经营地址"),
    "longitude": _lazy("小数，如 110.493"),
    "latitude": _lazy("小数，如 38.021"),
    "usable_area": _lazy("平方米，数字"),
    "resident_population": _lazy("人数，整数"),
    "poor_share": _lazy("百分比 0–100，如 12.5"),
    "operating_unit": _lazy("运营单位名称（见“参考”）；运营单位账号可不填"),
    "status": _lazy("已认定的站点（历史导入）选当前状态；新申请的站点留空"),
    "certified_on": _lazy("认定授牌日期，如 2024-05-10；填了当前状态时必填"),
    "applied_on": _lazy(
        "已认定站点当初的申请日期，如 2024-03-01，不能晚于认定日期；可不填，不填则按认定日期记为申请日期"
    ),
    "agreement_no": _lazy("已认定站点的合作协议编号，可不填"),
    "platforms": _lazy("可从下拉列表选，也可直接填写；多个用顿号分隔，如 邮乐购、淘宝"),
    "contact_phone": _lazy("对外公开的联系电话"),
    "person_name": _lazy("站点负责人姓名"),
    "person_phone": _lazy("11 位手机号"),
    "training_days": _lazy("岗前培训累计天数，如 3"),
    "yearly_trainings": _lazy("本年度参加培训次数，整数"),
}
TEXT_COLUMNS = ("code", "region", "contact_phone", "person_phone", "agreement_no")
CHOICES = {
    "tier": "层级",
    "status": "当前状态",
    "operating_unit": "运营单位",
    "region": "服务区域代码",
    "platforms": "合作平台",
}
REGISTERED = "已登记的服务站"  # the 参考 list of the stations already there (their codes are taken)


def write_template(target: IO[bytes], *, user: Any = None, county: Region | None = None) -> None:
    """The import template for ``user`` (cunzhan.core.import_templates): each column's format, drop-down
    lists for the tier, the status, the yes/no columns, the unit and the region, and the platforms as a
    suggestion; the county's townships and villages with their codes, its operating units and the
    stations it has already on the 参考 sheet; examples at the county's own places, with a station
    brought in its status (历史导入) where the user may certify."""
    regions = (
        list(Region.objects.filter(code__startswith=county.code).order_by("code")[:TEMPLATE_REGIONS]) if county else []
    )
    units = []
    if county is not None and user is not None:
        units = list(
            selectors.active_operating_units_for_user(user).filter(county=county).values_list("name", flat=True)
        )
    columns = []
    for header, key in COLUMNS:
        hint = HINTS.get(key) or (_("是 或 否") if key in BOOLEANS else "")
        choices = YES_NO if key in BOOLEANS else CHOICES.get(key, "")
        columns.append(
            TemplateColumn(
                header,
                str(hint),
                required=key in REQUIRED,
                choices=choices,
                text=key in TEXT_COLUMNS,
                other_allowed=key == "platforms",
            )
        )
    references = [
        ReferenceList(
            "服务区域代码",
            [r.code for r in regions],
            note=_("区划名称"),
            labels=[f"{r.name}（{Level(r.level).label}）" for r in regions],
        ),
        ReferenceList("运营单位", units),
        ReferenceList("层级", [str(label) for _v, label in Tier.choices]),
        ReferenceList("当前状态", [str(s.label) for s in history.HISTORY_STATUSES]),
        ReferenceList(YES_NO, ["是", "否"]),
        platform_list("合作平台"),
    ]
    if county is not None and user is not None:
        # the regions and units are listed above: the stations already registered are what is left
        references += places_for(user, county).lists(omit=(TOWNSHIPS, VILLAGES, UNITS), stations_title=REGISTERED)
    may_certify = user is not None and user.scope.can("station.certify")
    write_import_template(
        target,
        sheet="服务站",
        columns=columns,
        examples=_examples(county, regions, units, may_certify),
        references=references,
    )


def _examples(county: Region | None, regions: list[Region], units: list[str], may_certify: bool) -> list[list[Any]]:
    """A new village point and, for a user who may certify, an existing township station in 运营."""
    base = dict(zip(HEADERS, EXAMPLE_ROW, strict=True))
    village = next((r for r in regions if r.level == Level.VILLAGE), None)
    township = next((r for r in regions if r.level == Level.TOWNSHIP), None)
    if county is None or village is None:
        return [list(EXAMPLE_ROW)]
    codes = _free_codes(county.code, 2)
    unit = units[0] if units else ""
    rows = [
        {
            **base,
            "站点编码": codes[0],
            "站点名称": f"{village.name}电商服务点",
            "牌匾名称": f"{county.name}电商扶贫工程{village.name}服务点",
            "服务区域代码": village.code,
            "经营地址": f"{village.name}村委会旁",
            "运营单位": unit,
        }
    ]
    if may_certify and township is not None:
        certified_on = local_now().date().replace(day=1) - timedelta(days=400)
        rows.append(
            {
                **base,
                "站点编码": codes[1],
                "站点名称": f"{township.name}电商服务站",
                "牌匾名称": f"{county.name}电商扶贫工程{township.name}服务站",
                "层级": str(Tier.TOWNSHIP.label),
                "服务区域代码": township.code,
                "经营地址": f"{township.name}政府街",
                "实际使用面积（㎡）": "60",
                "运营单位": unit,
                "当前状态": str(Status.OPERATING.label),
                "认定日期": certified_on.replace(day=1).isoformat(),
                "合作协议编号": f"{county.code}-XY-001",
            }
        )
    return [[row[h] for h in HEADERS] for row in rows]


def _free_codes(county_code: str, n: int) -> list[str]:
    """Station codes of the county's pattern that no station holds yet, for the examples."""
    taken = set(Station.objects.filter(code__startswith=f"{county_code}-9").values_list("code", flat=True))
    free = (f"{county_code}-{k:04d}" for k in range(9001, 10000))
    return [code for code in free if code not in taken][:n]


def template_bytes(user: Any = None, county: Region | None = None) -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, user=user, county=county)
    return buffer.getvalue()
