from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from cunzhan.activities import selectors, services
from cunzhan.activities.models import AttendanceStatus as S
from cunzhan.activities.models import ExamResult, GuidanceKind
from cunzhan.activities.services import AttendanceLine
from cunzhan.core.dates import SHANGHAI as SH

H1 = (date(2026, 1, 1), date(2026, 6, 30))


def record(world, training, *lines):
    services.attendance_record(
        acting_user=world.operator,
        training=training,
        lines=[AttendanceLine(station=s, person_name=n, status=st, test_result=t) for s, n, st, t in lines],
    )


def test_training_facts_count_every_status_in_one_query(world, training, django_assert_num_queries):
    keng, dian = world.station_keng, world.station_dian
    record(
        world,
        training,
        (keng, "甲", S.LATE, ExamResult.FAIL),
        (keng, "乙", S.LEAVE, ""),
        (keng, "丙", S.EARLY_LEAVE, ExamResult.FAIL),
        (keng, "丁", S.ABSENT, ""),
    )
    second = services.training_create(
        acting_user=world.operator,
        county=world.regions["610828"],
        topic="第二次",
        start_date=date(2026, 5, 1),
        days=Decimal(1),
        required_stations=[keng, dian],
    )
    record(world, second, (keng, "甲", S.PRESENT, ExamResult.PASS))
    with django_assert_num_queries(1):
        facts = selectors.training_facts([keng.pk, dian.pk, world.station_xunwu.pk], *H1)
    k = facts[keng.pk]
    assert (k.required, k.leave, k.absent, k.late, k.early_leave, k.failed_tests) == (2, 1, 1, 1, 1, 2)
    assert k.attended == 3 and k.unrecorded == 0
    # nobody of 店镇 was recorded at either required training: two absences
    d = facts[dian.pk]
    assert (d.required, d.absent, d.unrecorded, d.leave) == (2, 2, 2, 0)
    assert facts[world.station_xunwu.pk] == selectors.TrainingFacts()


def test_training_facts_respect_the_date_range(world, training):
    record(world, training, (world.station_keng, "甲", S.LATE, ""))
    facts = selectors.training_facts([world.station_keng.pk], date(2026, 7, 1), date(2026, 12, 31))
    assert facts[world.station_keng.pk].late == 0


def test_marketing_facts_missed_activities_and_reports(world, activity, django_assert_num_queries):
    keng, dian = world.station_keng, world.station_dian
    services.participation_record(acting_user=world.operator, activity=activity, station=keng, participated=True)
    services.participation_record(acting_user=world.operator, activity=activity, station=dian, participated=False)
    # 坑镇 reported on time (the report row's time is set as if submitted before the due time)
    report = services.activity_report_submit(
        acting_user=world.operator, activity=activity, station=keng, orders=5, sales_amount=Decimal(100)
    )
    report.submitted_at = datetime(2026, 1, 21, 9, tzinfo=SH)
    report.save()
    now = datetime(2026, 2, 1, tzinfo=SH)
    with django_assert_num_queries(1):
        facts = selectors.marketing_facts([keng.pk, dian.pk], *H1, now=now)
    assert facts[keng.pk] == selectors.MarketingFacts(required=1, missed_activities=0, reports_due=1, missed_reports=0)
    # 店镇 missed the activity: that costs item 5 its 3 points, and no data report is owed for it (DOMAIN.md,
    # "Decided edge cases")
    assert facts[dian.pk] == selectors.MarketingFacts(required=1, missed_activities=1, reports_due=0, missed_reports=0)
    # before the due time nothing is missed yet
    early = selectors.marketing_facts([dian.pk], *H1, now=datetime(2026, 1, 15, tzinfo=SH))
    assert early[dian.pk].missed_reports == 0 and early[dian.pk].missed_activities == 0


def test_a_late_report_counts_as_missed(world, activity):
    services.participation_record(
        acting_user=world.operator, activity=activity, station=world.station_keng, participated=True
    )
    services.activity_report_submit(
        acting_user=world.keeper, activity=activity, station=world.station_keng, orders=1, sales_amount=Decimal(1)
    )  # now, long after the due time
    facts = selectors.marketing_facts([world.station_keng.pk], *H1)
    assert facts[world.station_keng.pk].missed_reports == 1


def test_people_training_days_and_yearly_count_are_computed(world, training):
    record(world, training, (world.station_keng, "甲", S.PRESENT, ""), (world.station_keng, "乙", S.ABSENT, ""))
    second = services.training_create(
        acting_user=world.operator,
        county=world.regions["610828"],
        topic="岗前二",
        start_date=date(2026, 4, 1),
        days=Decimal("1.5"),
        is_pre_job=True,
    )
    record(world, second, (world.station_keng, "甲", S.LATE, ""))
    people = {p.person_name: p for p in selectors.training_people([world.station_keng.pk], 2026)}
    assert people["甲"].pre_job_days == Decimal("3.5") and people["甲"].trainings_in_year == 2
    assert people["甲"].meets_days and people["甲"].meets_yearly
    assert people["乙"].pre_job_days == 0 and not people["乙"].meets_yearly


def test_guidance_overview_flags_overdue_quarters(world):
    services.guidance_record(
        acting_user=world.operator,
        station=world.station_keng,
        kind=GuidanceKind.VISIT,
        visited_on=date(2026, 2, 1),
        content="季度指导",
    )
    rows = {r.station.code: r for r in selectors.guidance_overview(world.operator, 2026, today=date(2026, 5, 1))}
    keng, dian = rows["JX-0001"], rows["JX-0002"]
    assert keng.quarter_states == ["done", "due", "future", "future"] and not keng.overdue
    assert dian.quarter_states[0] == "overdue" and dian.overdue
    assert keng.training_state == "due"


def test_keeper_sees_only_trainings_its_station_must_attend(world, training):
    services.training_create(
        acting_user=world.county,
        county=world.regions["610828"],
        topic="只给店镇",
        start_date=date(2026, 3, 1),
        days=Decimal(1),
        required_stations=[world.station_dian],
    )
    assert [t.topic for t in selectors.trainings_for_user(world.keeper)] == ["电商实操培训"]
    assert selectors.trainings_for_user(world.other_keeper).count() == 0
    assert selectors.trainings_for_user(world.other_county).count() == 0
    assert selectors.trainings_for_user(world.county).count() == 2
