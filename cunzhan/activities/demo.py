"""Demo trainings, marketing activities and guidance visits for 佳县 (610828): 2025 and 2026 to date.
Deterministic (seeded), idempotent (skipped when present) and recorded through the services."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.activities import services
from cunzhan.activities.models import ActivityReport, AttendanceStatus, ExamResult, GuidanceKind, Training
from cunzhan.activities.services import AttendanceLine
from cunzhan.core.periods import SHANGHAI, is_frozen
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station

COUNTY = "610828"
# (date, topic, days, pre-job, organised by the county office)
TRAININGS = (
    (date(2025, 3, 12), "服务站负责人岗前培训", Decimal(3), True, True),
    (date(2025, 6, 18), "直播带货实操培训", Decimal(1), False, False),
    (date(2025, 9, 10), "农产品上行与网店运营", Decimal(1), False, False),
    (date(2025, 11, 20), "服务台账规范登记", Decimal("0.5"), False, False),
    (date(2026, 3, 15), "2026 年度服务站业务培训", Decimal(2), True, True),
    (date(2026, 5, 20), "快递代办与包裹管理", Decimal(1), False, False),
    (date(2026, 9, 8), "电商扶贫政策宣讲", Decimal(1), False, False),
)
# (start, end, title)
ACTIVITIES = (
    (date(2025, 1, 15), date(2025, 1, 25), "2025 年货节"),
    (date(2025, 6, 1), date(2025, 6, 18), "618 佳县红枣促销"),
    (date(2025, 11, 1), date(2025, 11, 11), "双十一农特产品直播"),
    (date(2026, 1, 10), date(2026, 1, 25), "2026 年货节"),
    (date(2026, 6, 1), date(2026, 6, 18), "618 小米、红枣专场"),
)
STATUS_WEIGHTS = (
    (AttendanceStatus.PRESENT, 80),
    (AttendanceStatus.LATE, 7),
    (AttendanceStatus.LEAVE, 6),
    (AttendanceStatus.ABSENT, 4),
    (AttendanceStatus.EARLY_LEAVE, 3),
)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def _person(station: Station, keepers: dict[int, User]) -> tuple[str, str]:
    keeper = keepers.get(station.pk)
    if keeper is not None:
        return keeper.display_name or keeper.username, keeper.phone
    return f"{station.region.name}站长", ""


def load_activities(ctx) -> None:
    if Training.objects.filter(county_id=COUNTY, is_demo=True).exists():
        ctx.write("佳县培训与营销活动演示数据已存在")
        return
    today = timezone.localdate()
    rng = random.Random(610828)  # noqa: S311  demo data, not security
    county = Region.objects.get(code=COUNTY)
    office = User.objects.get(username="jiaxian")
    operator = User.objects.get(username="jiaxian_yunying")
    stations = list(Station.objects.filter(county_code=COUNTY, is_demo=True).select_related("region").order_by("code"))
    keepers = {u.station_id: u for u in User.objects.filter(role="keeper", station__in=stations)}
    trainings = activities = visits = 0

    for day, topic, days, pre_job, by_office in TRAININGS:
        if day >= today or is_frozen(COUNTY, day):
            continue
        actor = office if by_office else operator
        training = services.training_create(
            acting_user=actor,
            county=county,
            topic=topic,
            start_date=day,
            days=days,
            is_pre_job=pre_job,
            required_stations=stations,
            location="佳县电子商务公共服务中心",
            is_demo=True,
        )
        lines = []
        for station in stations:
            name, phone = _person(station, keepers)
            status = rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS])[0]
            attended = status not in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT)
            test = (ExamResult.FAIL if rng.random() < 0.1 else ExamResult.PASS) if attended else ExamResult.NONE
            lines.append(
                AttendanceLine(station=station, person_name=name, phone=phone, status=status, test_result=test)
            )
        services.attendance_record(acting_user=actor, training=training, lines=lines)
        trainings += 1

    for start, end, title in ACTIVITIES:
        due = _at(end + timedelta(days=5), 23).replace(minute=59, second=59)
        if end >= today or is_frozen(COUNTY, start):
            continue
        activity = services.activity_create(
            acting_user=operator,
            county=county,
            title=title,
            start_date=start,
            end_date=end,
            report_due_at=due,
            required_stations=stations,
            organiser="佳县电子商务公共服务中心",
            is_demo=True,
        )
        for station in stations:
            took_part = rng.random() < 0.9
            services.participation_record(
                acting_user=operator, activity=activity, station=station, participated=took_part
            )
            if took_part and rng.random() < 0.9:
                report = services.activity_report_submit(
                    acting_user=operator,
                    activity=activity,
                    station=station,
                    orders=rng.randint(3, 60),
                    sales_amount=Decimal(rng.randint(300, 9000)),
                )
                # backdate the demo report: on time for most, a few days late for some
                late = rng.random() < 0.15
                submitted = due + timedelta(days=2) if late else due - timedelta(days=rng.randint(1, 4))
                ActivityReport.objects.filter(pk=report.pk).update(submitted_at=submitted)
        activities += 1

    for year in (2025, 2026):
        for station in stations:
            for quarter in range(1, 5):
                day = date(year, 3 * quarter - 1, 10 + rng.randint(0, 15))
                if day >= today or rng.random() > 0.85:
                    continue
                services.guidance_record(
                    acting_user=operator,
                    station=station,
                    kind=GuidanceKind.VISIT,
                    visited_on=day,
                    content=rng.choice(("检查台账登记并现场指导", "指导网店上架农产品", "讲解快递代办流程")),
                    is_demo=True,
                )
                visits += 1
            day = date(year, 8, 20)
            if day < today and rng.random() < 0.9:
                services.guidance_record(
                    acting_user=operator,
                    station=station,
                    kind=GuidanceKind.TRAINING,
                    visited_on=day,
                    content="到站辅导培训：直播设备使用",
                    is_demo=True,
                )
                visits += 1
    ctx.write(f"佳县：培训 {trainings} 次，营销活动 {activities} 个，运营指导 {visits} 次")
