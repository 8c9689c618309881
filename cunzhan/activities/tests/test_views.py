from __future__ import annotations

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
