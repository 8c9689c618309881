"""Demo stations for 佳县 and 寻乌县 with realistic records: areas, populations, people, notices,
public assets and one open fault. Most are certified and operating (certified in 2024 or early
2025), a few are in incubation (certified 2025-H2 / 2026), one is in publicity and one applied."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from stdnum.cn import uscc

from cunzhan.regions.models import Level, Region
from cunzhan.stations.lifecycle import SHANGHAI
from cunzhan.stations.models import (
    AssetCondition,
    AssetKind,
    FaultReport,
    OperatingUnit,
    PublicAsset,
    ResponsiblePerson,
    Station,
    StationEvent,
    Status,
    Tier,
)

COUNTIES = {
    "610828": "佳县农村电商运营有限公司",
    "360734": "寻乌县电商扶贫运营有限公司",
}
VILLAGE_POINTS_PER_TOWNSHIP = 3
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "海军", "丽娟", "志强", "春梅", "国庆", "小燕", "永平", "红霞")
AREA = {Tier.COUNTY_CENTRE: Decimal(260), Tier.TOWNSHIP: Decimal(36), Tier.VILLAGE: Decimal(15)}
POPULATION = {Tier.COUNTY_CENTRE: 245000, Tier.TOWNSHIP: 12000, Tier.VILLAGE: 650}
ASSETS = (
    (AssetKind.COMPUTER, "联想台式电脑"),
    (AssetKind.DISPLAY, "55 寸商品展示屏"),
    (AssetKind.DOOR_SIGN, "服务站门牌"),
    (AssetKind.RULES_BOARD, "管理制度牌"),
    (AssetKind.ROUTER, "无线路由器"),
    (AssetKind.DESKS_CHAIRS, "办公桌椅一套"),
)


def _plan(county: Region) -> list[tuple[Region, Tier, str]]:
    """The county centre, one station per township and a few village points."""
    plan = [(county, Tier.COUNTY_CENTRE, f"{county.name}电子商务公共服务中心")]
    townships = list(Region.objects.filter(parent=county, level=Level.TOWNSHIP))
    plan += [(t, Tier.TOWNSHIP, f"{t.name}电商服务站") for t in townships]
    for township in [t for t in townships if not t.name.endswith("街道")][:3]:
        villages = Region.objects.filter(parent=township)[:VILLAGE_POINTS_PER_TOWNSHIP]
        plan += [(v, Tier.VILLAGE, f"{v.name}电商服务点") for v in villages]
    return plan


def _lifecycle(seq: int, total: int) -> tuple[Status, datetime | None]:
    """Deterministic status and certification time for the seq-th station of a county."""
    if seq == total:
        return Status.APPLIED, None
    if seq == total - 1:
        return Status.PUBLICITY, None
    if seq == total - 2:  # certified 2025-H2: incubation over, ready to move to operating
        return Status.INCUBATION, datetime(2025, 10, 10, 10, tzinfo=SHANGHAI)
    if seq == total - 3:  # certified 2026-H2: still in its 6 months of incubation
        return Status.INCUBATION, datetime(2026, 8, 10, 10, tzinfo=SHANGHAI)
    month = 3 + seq % 14  # March 2024 to April 2025
    return Status.OPERATING, datetime(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 15, 10, tzinfo=SHANGHAI)


def _details(region: Region, tier: Tier, seq: int, county_name: str) -> dict:
    tier_word = {Tier.COUNTY_CENTRE: "运营中心", Tier.TOWNSHIP: "服务站", Tier.VILLAGE: "服务点"}[tier]
    return {
        "signboard_name": f"{county_name}电商扶贫工程{region.name}{tier_word}",
        "address": f"{region.name}中心街{seq}号",
        "usable_area": AREA[tier] + seq % 7,
        # villages spread over the three order-target bands (< 500, 500–999, ≥ 1000)
        "resident_population": 380 + (seq % 5) * 160 if tier == Tier.VILLAGE else POPULATION[tier] + seq * 37,
        "poor_share": Decimal("8.50") + seq % 9,
        "platforms": "邮乐购、淘宝、拼多多" if seq % 2 else "供销e家、京东",
        "has_broadband": True,
        "has_terminal": True,
        "has_shelves": True,
        "has_display_cabinet": True,
        "has_parcel_facilities": True,
        "opening_hours": "每日 8:00–18:00（农忙时节 7:00–20:00）",
        "service_items": "代购、代销、快递收发、话费电费缴纳、车票预订、就诊预约",
        "key_processes": "代购：选品—下单—到货通知—取件；代销：收货验货—上架—结算",
        "service_promise": "明码标价，当日件当日通知，代购不加价",
        "fees": "代购代销免费；快递代收 0.5 元/件；缴费充值免费",
        "complaint_channel": f"{county_name}电商办 0912-66{seq:05d}",
        "contact_phone": f"139{seq:04d}{seq * 7 % 10000:04d}",
        "longitude": Decimal("110.4") + Decimal(seq) / 1000,
        "latitude": Decimal("38.0") + Decimal(seq) / 1000,
    }


def load_stations(ctx) -> None:
    for county_code, unit_name in COUNTIES.items():
        county = Region.objects.get(code=county_code)
        unit, _ = OperatingUnit.objects.get_or_create(
            county=county,
            name=unit_name,
            defaults={
                "contact_person": "运营负责人",
                "contact_phone": "09120000000",
                "credit_code": _credit_code(county_code),
                "is_demo": True,
            },
        )
        ctx.objects.setdefault("units", {})[county_code] = unit
        plan = _plan(county)
        enriched: list[Station] = []
        for seq, (region, tier, name) in enumerate(plan, start=1):
            station, _created = Station.objects.get_or_create(
                code=f"{county_code}-{seq:04d}",
                defaults={
                    "name": name,
                    "tier": tier,
                    "region": region,
                    "county_code": county_code,
                    "operating_unit": unit,
                    "status": Status.OPERATING,
                    "is_demo": True,
                },
            )
            if station.is_demo and station.usable_area is None:  # not yet given its record
                _enrich(station, seq, len(plan), county.name)
                enriched.append(station)
        _add_assets(enriched)
        count = Station.objects.filter(county_code=county_code, is_demo=True).count()
        ctx.write(f"{county.name}：运营单位 1 个，服务站 {count} 个")


def _credit_code(county_code: str) -> str:
    """A well-formed unified social credit code for a demo unit (a made-up company of the county)."""
    base = f"91{county_code}MA7000DEM"[:17]
    return base + uscc.calc_check_digit(base)


def _enrich(station: Station, seq: int, total: int, county_name: str) -> None:
    status, certified_at = _lifecycle(seq, total)
    for field, value in _details(station.region, Tier(station.tier), seq, county_name).items():
        setattr(station, field, value)
    station.status = status
    station.certified_at = certified_at
    applied_at = (certified_at or datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)) - timedelta(days=30)
    station.status_changed_at = certified_at or applied_at
    if status == Status.PUBLICITY:
        station.publicity_started_at = station.status_changed_at = datetime(2026, 11, 20, 9, tzinfo=SHANGHAI)
    if certified_at:
        station.agreement_no = f"XY-{station.county_code}-{seq:04d}"
        station.agreement_start = certified_at.date()
        station.last_activity_at = datetime(2026, 11, 1, 9, tzinfo=SHANGHAI) - timedelta(days=seq % 5)
        if seq == 3:  # one station silent for months: flagged as a zombie
            station.last_activity_at = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
    station.save()
    StationEvent.objects.create(
        station=station, from_status="", to_status=Status.APPLIED, at=applied_at, reason="演示数据：登记申请"
    )
    if status != Status.APPLIED:
        StationEvent.objects.create(
            station=station,
            from_status=Status.APPLIED,
            to_status=status,
            at=station.status_changed_at,
            reason="演示数据：历史流程已办结",
        )
    name = SURNAMES[seq % len(SURNAMES)] + GIVEN[seq % len(GIVEN)]
    ResponsiblePerson.objects.create(
        station=station,
        name=name,
        phone=f"138{seq:04d}{seq * 13 % 10000:04d}",
        pre_job_training_days=Decimal(3) + seq % 3,
        yearly_trainings=2 + seq % 2,
    )


def _add_assets(stations: list[Station]) -> None:
    assets = [
        PublicAsset(
            station=station,
            kind=kind,
            name=name,
            serial_no=f"ZC-{station.code}-{index}",
            acquired_on=station.certified_at.date() if station.certified_at else None,
        )
        for station in stations
        if station.certified_at
        for index, (kind, name) in enumerate(ASSETS[: 4 + len(station.code) % 3], start=1)
    ]
    PublicAsset.objects.bulk_create(assets)
    keeper_station = next((s for s in stations if s.tier == Tier.VILLAGE and s.certified_at), None)
    computer = PublicAsset.objects.filter(station=keeper_station, kind=AssetKind.COMPUTER).first()
    if computer is not None:  # one open fault, transcribed from the keeper's call
        computer.condition = AssetCondition.FAULTY
        computer.save(update_fields=["condition"])
        FaultReport.objects.create(
            station=keeper_station,
            asset=computer,
            description="电脑无法开机，无法下单",
            stops_operation=True,
            reported_at=datetime(2026, 11, 18, 10, tzinfo=SHANGHAI),
        )
