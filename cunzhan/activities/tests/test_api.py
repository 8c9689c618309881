"""/api/v1/activities: the writes of the activity pages as operations — trainings edited and their
attendance imported, marketing activities created and edited, participation and activity data
recorded, guidance visits — through the same services and scoping."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cunzhan.activities.models import ActivityReport, Attendance, GuidanceVisit, MarketingActivity, Participation
from cunzhan.core.models import PublishedPeriod

ACTIVITY = {
    "title": "618 农特产品促销",
    "start_date": "2026-06-01",
    "end_date": "2026-06-18",
    "report_due_at": "2026-06-25T23:59:59+08:00",
    "required_stations": ["JX-0001", "JX-0002"],
}


def send(client, method, path, data=None):
    return getattr(client, method)(path, data or {}, content_type="application/json")


def test_an_operator_creates_and_edits_a_marketing_activity(world, client):
    client.force_login(world.operator)
    created = send(client, "post", "/api/v1/activities/marketing", ACTIVITY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["required_count"] == 2 and body["county_code"] == "610828"
    edited = send(
        client, "put", f"/api/v1/activities/marketing/{body['id']}", {**ACTIVITY, "required_stations": ["JX-0001"]}
    )
    assert edited.status_code == 200 and edited.json()["required_count"] == 1
    wrong = send(client, "put", f"/api/v1/activities/marketing/{body['id']}", {**ACTIVITY, "end_date": "2026-05-01"})
    assert wrong.status_code == 422 and MarketingActivity.objects.get().end_date == date(2026, 6, 18)


def test_activities_are_created_by_a_countys_organisers_for_its_stations_only(world, client):
    client.force_login(world.keeper)
    assert send(client, "post", "/api/v1/activities/marketing", ACTIVITY).status_code == 403
    client.force_login(world.operator)
    other = send(client, "post", "/api/v1/activities/marketing", {**ACTIVITY, "required_stations": ["XW-0001"]})
    assert other.status_code == 422 and "XW-0001" in other.json()["detail"]
    assert not MarketingActivity.objects.exists()


def test_another_countys_activity_does_not_exist_for_the_api(world, client, activity):
    client.force_login(world.other_county)
    assert send(client, "put", f"/api/v1/activities/marketing/{activity.pk}", ACTIVITY).status_code == 404
    path = f"/api/v1/activities/marketing/{activity.pk}/stations/JX-0001/participation"
    assert send(client, "put", path, {"participated": True}).status_code == 404


def test_participation_is_recorded_for_a_required_station(world, client, activity):
    client.force_login(world.operator)
    path = f"/api/v1/activities/marketing/{activity.pk}/stations/JX-0001/participation"
    answer = send(client, "put", path, {"participated": False, "note": "请假"})
    assert answer.status_code == 200 and answer.json()["station_code"] == "JX-0001"
    assert send(client, "put", path, {"participated": True}).json()["participated"] is True
    assert Participation.objects.get().participated is True  # recorded again, not twice
    outside = f"/api/v1/activities/marketing/{activity.pk}/stations/XW-0001/participation"
    assert send(client, "put", outside, {"participated": True}).status_code == 404
    client.force_login(world.keeper)
    assert send(client, "put", path, {"participated": True}).status_code == 403


def test_a_keeper_reports_its_stations_activity_data(world, client, activity):
    client.force_login(world.keeper)
    path = f"/api/v1/activities/marketing/{activity.pk}/stations/JX-0001/report"
    answer = send(client, "put", path, {"orders": 12, "sales_amount": "860.50"})
    assert answer.status_code == 200 and answer.json()["sales_amount"] == "860.50"
    assert ActivityReport.objects.get().submitted_by == world.keeper
    assert send(client, "put", path, {"orders": -1, "sales_amount": "1"}).status_code == 422
    other = f"/api/v1/activities/marketing/{activity.pk}/stations/JX-0002/report"
    assert send(client, "put", other, {"orders": 1, "sales_amount": "1"}).status_code == 404


def test_a_training_is_edited_and_a_published_period_asks_for_a_reason(world, client, training):
    client.force_login(world.operator)
    path = f"/api/v1/activities/trainings/{training.pk}"
    body = {"topic": "直播带货", "start_date": "2026-03-10", "days": "2", "required_stations": ["JX-0001"]}
    answer = send(client, "put", path, body)
    assert answer.status_code == 200 and answer.json()["topic"] == "直播带货" and answer.json()["required_count"] == 1
    PublishedPeriod.objects.create(county_code="610828", year=2026, half="H1", published_at=timezone.now())
    frozen = send(client, "put", path, {**body, "topic": "又改"})
    assert frozen.status_code == 422 and "更正" in frozen.json()["detail"]
    corrected = send(client, "put", path, {**body, "topic": "又改", "correction_reason": "主题登记有误"})
    assert corrected.status_code == 200 and corrected.json()["topic"] == "又改"
    client.force_login(world.other_county)
    assert send(client, "put", path, body).status_code == 404


def _sheet(*rows) -> SimpleUploadedFile:
    lines = ["站点编码,姓名,手机号,出勤情况,测试结果", *(",".join(row) for row in rows)]
    return SimpleUploadedFile("出勤.csv", ("\r\n".join(lines) + "\r\n").encode(), content_type="text/csv")


def test_an_attendance_sheet_is_imported_through_the_api(world, client, training):
    client.force_login(world.operator)
    path = f"/api/v1/activities/trainings/{training.pk}/attendance/import"
    answer = client.post(
        path, {"file": _sheet(("JX-0001", "张三", "", "出勤", "合格"), ("JX-0002", "李四", "", "迟到", ""))}
    )
    assert answer.status_code == 200 and answer.json() == {"rows": 2, "stations": 2}
    bad = client.post(path, {"file": _sheet(("XW-0001", "王五", "", "出勤", ""))})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"row": 2, "column": "站点编码", "message": "站点编码“XW-0001”不存在、不在本县或不在您的管辖范围内"}
    ]
    assert Attendance.objects.count() == 2
    client.force_login(world.keeper)
    assert client.post(path, {"file": _sheet(("JX-0001", "张三", "", "出勤", ""))}).status_code == 403


def test_an_operator_records_guidance_at_its_own_stations(world, client):
    client.force_login(world.operator)
    visit = {"station": "JX-0001", "kind": "visit", "visited_on": "2026-02-03", "content": "指导上架农产品"}
    answer = send(client, "post", "/api/v1/activities/guidance", visit)
    assert answer.status_code == 201 and answer.json()["station_code"] == "JX-0001"
    future = send(client, "post", "/api/v1/activities/guidance", {**visit, "visited_on": "2999-01-01"})
    assert future.status_code == 422 and "晚于今天" in future.json()["detail"]
    outside = send(client, "post", "/api/v1/activities/guidance", {**visit, "station": "XW-0001"})
    assert outside.status_code == 422 and "XW-0001" in outside.json()["detail"]
    client.force_login(world.keeper)
    assert send(client, "post", "/api/v1/activities/guidance", visit).status_code == 403
    assert GuidanceVisit.objects.count() == 1


@pytest.mark.parametrize(("entered", "kept"), [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68")])
def test_a_sales_amount_with_more_places_is_rounded_half_up(world, client, activity, entered, kept):
    client.force_login(world.keeper)
    path = f"/api/v1/activities/marketing/{activity.pk}/stations/JX-0001/report"
    answer = send(client, "put", path, {"orders": 1, "sales_amount": entered})
    assert answer.status_code == 200 and answer.json()["sales_amount"] == kept
    assert str(ActivityReport.objects.get().sales_amount) == kept
    page = client.post(f"/activities/marketing/{activity.pk}/JX-0001/report/", {"orders": 2, "sales_amount": entered})
    report = ActivityReport.objects.get()
    assert page.status_code == 302 and (report.orders, str(report.sales_amount)) == (2, kept)  # the page's own
    assert send(client, "put", path, {"orders": 1, "sales_amount": "abc"}).status_code == 422


@pytest.mark.parametrize("huge", [1.7976931348623157e308, "1e30", "-1e308"])
def test_a_sales_amount_too_large_to_hold_to_the_fen_is_refused_not_a_server_error(world, client, activity, huge):
    """The API fuzzing sent 1.8e308: rounding it to the fen overflowed Decimal's precision (a 500)."""
    client.force_login(world.keeper)
    path = f"/api/v1/activities/marketing/{activity.pk}/stations/JX-0001/report"
    answer = send(client, "put", path, {"orders": 1, "sales_amount": huge})
    assert answer.status_code == 422
    assert not ActivityReport.objects.exists()
    ledger = client.post(
        "/api/v1/ledgers/purchase",
        {"station": "JX-0001", "occurred_on": "2026-03-02", "product_name": "化肥", "quantity": "1",
         "amount": huge, "platform": "淘宝"},
        "application/json",
    )  # fmt: skip
    assert ledger.status_code == 422
    page = client.post(
        f"/activities/marketing/{activity.pk}/JX-0001/report/", {"orders": 1, "sales_amount": huge}, follow=True
    )
    assert page.status_code == 200 and not ActivityReport.objects.exists()  # back to the activity, told why
    entry = client.post(
        "/ledgers/purchase/new/",
        {"s-station": world.station_keng.pk, "occurred_on": "2026-03-02", "product_name": "化肥", "quantity": "1",
         "amount": huge, "platform": "淘宝"},
    )  # fmt: skip
    assert entry.status_code == 200 and "不超过 14 个数字" in entry.content.decode()  # the form refuses it
