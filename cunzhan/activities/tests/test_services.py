from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunzhan.activities import services
from cunzhan.activities.models import Attendance, AttendanceStatus, ExamResult, GuidanceKind
from cunzhan.activities.services import AttendanceLine
from cunzhan.core.models import PublishedPeriod
from cunzhan.core.scoping import OutOfScope


def line(station, name, status, test="", phone=""):
    return AttendanceLine(station=station, person_name=name, status=status, test_result=test, phone=phone)


@pytest.mark.parametrize("status", [s.value for s in AttendanceStatus])
def test_it_records_each_attendance_status(world, training, status):
    test = "" if status in ("leave", "absent") else ExamResult.PASS
    [row] = services.attendance_record(
        acting_user=world.operator, training=training, lines=[line(world.station_keng, "张三", status, test)]
    )
    assert row.status == status and row.recorded_by == world.operator


def test_a_keeper_late_and_another_failing_the_test(world, training):
    world.keeper.display_name = "高站长"
    world.keeper.save()
    services.attendance_record(
        acting_user=world.operator,
        training=training,
        lines=[
            line(world.station_keng, "高站长", AttendanceStatus.LATE, ExamResult.PASS),
            line(world.station_dian, "刘站长", AttendanceStatus.PRESENT, ExamResult.FAIL),
        ],
    )
    late = Attendance.objects.get(person_name="高站长")
    assert late.user == world.keeper  # linked to the keeper's account by name
    assert Attendance.objects.get(person_name="刘站长").test_result == ExamResult.FAIL


def test_recording_again_overwrites_the_same_person(world, training):
    for status in (AttendanceStatus.PRESENT, AttendanceStatus.EARLY_LEAVE):
        services.attendance_record(
            acting_user=world.operator, training=training, lines=[line(world.station_keng, "张三", status)]
        )
    assert Attendance.objects.get().status == AttendanceStatus.EARLY_LEAVE


def test_an_absent_person_cannot_have_a_test_result(world, training):
    with pytest.raises(ValidationError, match="不能有测试结果"):
        services.attendance_record(
            acting_user=world.operator,
            training=training,
            lines=[line(world.station_keng, "张三", AttendanceStatus.ABSENT, ExamResult.FAIL)],
        )


def test_an_unknown_status_is_refused(world, training):
    with pytest.raises(ValidationError, match="出勤情况无效"):
        services.attendance_record(
            acting_user=world.operator, training=training, lines=[line(world.station_keng, "张三", "sick")]
        )


def test_a_station_of_another_county_cannot_attend(world, training):
    with pytest.raises(ValidationError):
        services.attendance_record(
            acting_user=world.admin, training=training, lines=[line(world.station_xunwu, "王五", "present")]
        )


def test_keepers_and_supervisors_cannot_record_attendance(world, training):
    for persona in ("keeper", "supervisor"):
        with pytest.raises(PermissionDenied):
            services.attendance_record(
                acting_user=world.users[persona], training=training, lines=[line(world.station_keng, "x", "present")]
            )


def test_an_operator_cannot_create_for_another_countys_stations(world):
    with pytest.raises(ValidationError):
        services.training_create(
            acting_user=world.operator,
            county=world.regions["610828"],
            topic="x",
            start_date=date(2026, 3, 1),
            days=Decimal(1),
            required_stations=[world.station_xunwu],
        )


def test_the_county_office_edits_an_operators_training_but_another_county_cannot(world, training):
    services.training_update(acting_user=world.county, training=training, topic="新主题")
    training.refresh_from_db()
    assert training.topic == "新主题"
    with pytest.raises(OutOfScope):
        services.training_update(acting_user=world.other_county, training=training, topic="x")


def publish(county="610828", year=2026, half="H1"):
    return PublishedPeriod.objects.create(county_code=county, year=year, half=half, published_at=timezone.now())


def test_a_published_period_freezes_the_training_and_what_was_recorded_of_it(world, training):
    """A change needs a correction; a person recorded there for the first time is accepted and marked 补录
    (DOMAIN.md, "Decided edge cases"), and sending the sheet again leaves the others as they were."""
    from cunzhan.core.late_entries import late_marks

    first = services.attendance_record(
        acting_user=world.operator, training=training, lines=[line(world.station_keng, "张三", "present")]
    )
    publish()
    with pytest.raises(ValidationError, match="已发布"):
        services.training_update(acting_user=world.operator, training=training, topic="改")
    with pytest.raises(ValidationError, match="已发布"):
        services.attendance_record(
            acting_user=world.operator, training=training, lines=[line(world.station_keng, "张三", "absent")]
        )
    rows = services.attendance_record(
        acting_user=world.operator,
        training=training,
        lines=[line(world.station_keng, "张三", "present"), line(world.station_dian, "李四", "late")],
    )
    assert [r.status for r in rows] == ["present", "late"] and rows[0].recorded_at == first[0].recorded_at
    marks = late_marks(rows)
    assert rows[0] not in marks and rows[1] in marks
    assert marks.title(rows[1]).startswith("补录：operator 于 ")


def test_a_correction_with_a_reason_is_logged(world, training):
    publish()
    services.attendance_correct(
        acting_user=world.operator,
        training=training,
        lines=[line(world.station_keng, "张三", AttendanceStatus.LEAVE)],
        reason="补登请假条",
    )
    assert Attendance.objects.get().status == AttendanceStatus.LEAVE
    entry = LogEntry.objects.filter(additional_data__event="correction").get()
    assert entry.additional_data["reason"] == "补登请假条" and entry.actor == world.operator
    with pytest.raises(ValidationError, match="更正理由"):
        services.training_correct(acting_user=world.operator, training=training, reason=" ", topic="x")


def test_the_other_half_year_stays_open(world, training):
    publish(half="H2")
    services.training_update(acting_user=world.operator, training=training, topic="仍可修改")


def test_activity_report_after_due_time_is_kept_with_its_time(world, activity):
    report = services.activity_report_submit(
        acting_user=world.keeper, activity=activity, station=world.station_keng, orders=3, sales_amount=Decimal("88.50")
    )
    assert report.submitted_at > activity.report_due_at
    with pytest.raises(ValidationError):
        services.activity_report_submit(
            acting_user=world.admin, activity=activity, station=world.station_xunwu, orders=1, sales_amount=Decimal(1)
        )


def test_activity_end_before_start_is_refused(world):
    with pytest.raises(ValidationError, match="结束日期"):
        services.activity_create(
            acting_user=world.county,
            county=world.regions["610828"],
            title="x",
            start_date=date(2026, 2, 2),
            end_date=date(2026, 2, 1),
            report_due_at=timezone.now(),
        )


def test_guidance_only_for_the_operators_own_stations(world):
    visit = services.guidance_record(
        acting_user=world.operator,
        station=world.station_keng,
        kind=GuidanceKind.VISIT,
        visited_on=date(2026, 2, 3),
        content="指导台账登记",
    )
    assert visit.operating_unit == world.unit
    with pytest.raises(OutOfScope):
        services.guidance_record(
            acting_user=world.operator,
            station=world.station_xunwu,
            kind=GuidanceKind.VISIT,
            visited_on=date(2026, 2, 3),
            content="x",
        )
    with pytest.raises(PermissionDenied):
        services.guidance_record(
            acting_user=world.supervisor,
            station=world.station_keng,
            kind=GuidanceKind.VISIT,
            visited_on=date(2026, 2, 3),
            content="x",
        )
