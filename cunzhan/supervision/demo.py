"""Demo inspections (complete H1 and H2 2025 for every 佳县 demo station), complaints, public
reports and daily-supervision events. Deterministic (seeded), idempotent, through the services."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.core.money import round_score
from cunzhan.core.periods import SHANGHAI, Period, is_frozen
from cunzhan.stations.models import Station
from cunzhan.supervision import services
from cunzhan.supervision.models import ComplaintKind, EventKind, Inspection
from cunzhan.supervision.rating_items import RATING_ITEMS

COUNTY = "610828"
COMMENTS = {
    1: "显示屏偶有故障，报修后修复较慢",
    2: "货架有杂物，包裹摆放不齐",
    3: "政策宣传栏内容未及时更新",
    7: "代购台账有漏登",
    8: "代销台账登记不及时",
    9: "交接清单不全或包裹有积压",
    10: "便民服务项目较少，台账记录不全",
}
HALF_PERIODS = ((2025, "H1", date(2025, 6, 20)), (2025, "H2", date(2025, 12, 15)))


def _score(rng: random.Random, maximum: Decimal, quality: float) -> Decimal:
    raw = float(maximum) * min(1.0, max(0.0, quality + rng.uniform(-0.15, 0.1)))
    return min(maximum, round_score(Decimal(round(raw * 2)) / 2))


def load_supervision(ctx) -> None:
    if Inspection.objects.filter(station__county_code=COUNTY, is_demo=True).exists():
        ctx.write("佳县督查演示数据已存在")
        return
    rng = random.Random(6108281)  # noqa: S311  demo data, not security
    today = timezone.localdate()
    office = User.objects.get(username="jiaxian")
    supervisors = list(User.objects.filter(role="supervisor", region__code__startswith=COUNTY, is_demo=True))
    stations = list(Station.objects.filter(county_code=COUNTY, is_demo=True).order_by("code"))

    def inspector_for(station: Station) -> User:
        return next((s for s in supervisors if station.region_id.startswith(s.region_id)), office)

    inspections = 0
    quality = {s.pk: rng.uniform(0.55, 1.0) for s in stations}
    for year, half, day in HALF_PERIODS:
        if day >= today or is_frozen(COUNTY, Period(year, half).start):
            continue
        for station in stations:
            ratings = {}
            for item in RATING_ITEMS:
                score = _score(rng, item.max, quality[station.pk])
                ratings[item.key] = (score, "" if score == item.max else COMMENTS[item.item])
            services.inspection_save(
                acting_user=inspector_for(station),
                station=station,
                year=year,
                half=half,
                inspected_at=datetime.combine(
                    day + timedelta(days=rng.randint(0, 8)), time(9 + rng.randint(0, 7)), tzinfo=SHANGHAI
                ),
                ratings=ratings,
                location=station.address or station.name,
                note="",
                is_demo=True,
            )
            inspections += 1

    # complaints and public reports: (station index, kind, received, verified: True/False/None)
    cases = (
        (1, ComplaintKind.PARCEL, date(2025, 4, 8), True, "包裹到站三天未通知取件"),
        (1, ComplaintKind.PARCEL, date(2025, 10, 12), True, "寄件丢失，站点未登记"),
        (3, ComplaintKind.PARCEL, date(2025, 8, 2), False, "快递费收取过高"),
        (4, ComplaintKind.PARCEL, date(2026, 3, 16), None, "包裹被他人冒领"),
        (2, ComplaintKind.PUBLIC_REPORT, date(2025, 9, 20), True, "站点经常关门，无法办理缴费"),
        (5, ComplaintKind.PUBLIC_REPORT, date(2026, 2, 6), False, "站点销售过期食品"),
    )
    complaints = 0
    for index, kind, day, verified, text in cases:
        if index >= len(stations) or day >= today or is_frozen(COUNTY, day):
            continue
        station = stations[index]
        actor = inspector_for(station)
        complaint = services.complaint_record(
            acting_user=actor,
            station=station,
            kind=kind,
            received_at=datetime.combine(day, time(10), tzinfo=SHANGHAI),
            description=text,
            complainant="村民",
            is_demo=True,
        )
        if verified is not None:
            services.complaint_verify(
                acting_user=office,
                complaint=complaint,
                verified=verified,
                evidence="电话回访并到站核实" if verified else "经核实与事实不符",
            )
        complaints += 1

    events = 0
    for index, kind, day, verified in (
        (2, EventKind.NOT_COOPERATING, date(2025, 5, 14), True),
        (6, EventKind.POOR_PERFORMANCE, date(2025, 11, 3), True),
        (7, EventKind.POOR_PERFORMANCE, date(2026, 4, 9), None),
    ):
        if index >= len(stations) or day >= today or is_frozen(COUNTY, day):
            continue
        station = stations[index]
        event = services.supervision_event_record(
            acting_user=inspector_for(station),
            station=station,
            kind=kind,
            occurred_on=day,
            description="日常督查发现" if kind == EventKind.POOR_PERFORMANCE else "拒绝配合督查，不出示台账",
            evidence="督查记录表及现场照片",
            is_demo=True,
        )
        if verified:
            services.supervision_event_verify(acting_user=office, event=event, verified=True, note="属实")
        events += 1
    ctx.write(f"佳县：实地察看 {inspections} 次，投诉举报 {complaints} 件，日常督查 {events} 件")
