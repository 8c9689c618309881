from __future__ import annotations

from datetime import date
from decimal import Decimal

from cunzhan.activities.models import Attendance, AttendanceStatus, ExamResult


def test_an_operator_records_a_training_with_one_late_and_one_failed(world, client):
    world.keeper.display_name = "高站长"
    world.keeper.save()
    client.force_login(world.operator)
    response = client.post(
        "/activities/trainings/new/",
        {
            "topic": "直播带货培训",
            "start_date": "2026-04-08",
            "days": "1",
            "is_pre_job": "on",
            "required_stations": [world.station_keng.pk, world.station_dian.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    detail = client.get(response["Location"]).content.decode()
    assert "高站长" in detail  # the keeper of a required station is offered on the grid
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    response = client.post(
        f"/activities/trainings/{pk}/attendance/",
        {
            "rows": "2",
            "r0-station": "JX-0001",
            "r0-name": "高站长",
            "r0-phone": "",
            "r0-status": "late",
            "r0-test": "pass",
            "r1-station": "JX-0002",
            "r1-name": "刘站长",
            "r1-phone": "",
            "r1-status": "present",
            "r1-test": "fail",
            "rnew-station": "",
            "rnew-name": "",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get(person_name="高站长").status == AttendanceStatus.LATE
    assert Attendance.objects.get(person_name="刘站长").test_result == ExamResult.FAIL
    page = client.get(f"/activities/trainings/{pk}/").content.decode()
    assert "迟到 1" in page and "测试不合格 1" in page


def test_keepers_see_trainings_but_cannot_record(world, client, training):
    client.force_login(world.keeper)
    assert client.get(f"/activities/trainings/{training.pk}/").status_code == 200
    assert client.post(f"/activities/trainings/{training.pk}/attendance/", {"rows": "0"}).status_code == 403
    assert client.get("/activities/trainings/new/").status_code == 403


def test_the_api_lists_and_records_attendance(world, client, training):
    client.force_login(world.operator)
    response = client.post(
        f"/api/v1/activities/trainings/{training.pk}/attendance",
        {"lines": [{"station": "JX-0001", "person_name": "张三", "status": "absent", "test_result": ""}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    rows = client.get(f"/api/v1/activities/trainings/{training.pk}/attendance").json()
    assert rows[0]["status"] == "absent"
    bad = client.post(
        f"/api/v1/activities/trainings/{training.pk}/attendance",
        {"lines": [{"station": "JX-0001", "person_name": "张三", "status": "absent", "test_result": "pass"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "不能有测试结果" in bad.json()["detail"]


def test_a_township_supervisor_sees_the_trainings_and_activities_of_the_county(world, client, training, activity):
    """County-wide events: everyone below the county sees their own county's; a keeper only those its
    station must attend. (A supervisor's station page links the trainings its station attended.)"""
    from cunzhan.activities import services

    other = services.training_create(
        acting_user=world.admin,
        county=world.regions["360734"],
        topic="寻乌县培训",
        start_date=date(2026, 3, 11),
        days=Decimal(1),
        is_pre_job=False,
        required_stations=[world.station_xunwu],
    )
    client.force_login(world.supervisor)
    assert client.get(f"/activities/trainings/{training.pk}/").status_code == 200
    assert client.get(f"/activities/marketing/{activity.pk}/").status_code == 200
    assert client.get(f"/activities/trainings/{other.pk}/").status_code == 404
    listed = client.get("/activities/").content.decode()
    assert "电商实操培训" in listed and "寻乌县培训" not in listed
    client.force_login(world.other_keeper)  # 寻乌's keeper: its station attends only the other one
    assert client.get(f"/activities/trainings/{training.pk}/").status_code == 404
    assert client.get(f"/activities/trainings/{other.pk}/").status_code == 200


NEW_EVENT_FORMS = (
    ("/activities/", "/activities/trainings/new/"),
    ("/activities/marketing/", "/activities/marketing/new/"),
)


def test_the_new_event_buttons_show_only_to_those_with_a_county_to_hold_them(world, client):
    client.force_login(world.admin)  # may manage events, but the form asks for a county account
    for page, new in (
        ("/activities/", "/activities/trainings/new/"),
        ("/activities/marketing/", "/activities/marketing/new/"),
    ):
        assert new not in client.get(page).content.decode()
        assert client.get(new).status_code == 403
    assert "/assessment/subsidies/" not in client.get("/assessment/").content.decode()
    client.force_login(world.county)
    for page, new in (
        ("/activities/", "/activities/trainings/new/"),
        ("/activities/marketing/", "/activities/marketing/new/"),
    ):
        assert new in client.get(page).content.decode()
        assert client.get(new).status_code == 200
    assert "/assessment/subsidies/" in client.get("/assessment/").content.decode()
