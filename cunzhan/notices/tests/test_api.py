from __future__ import annotations

import pytest
import time_machine

from cunzhan.notices.models import Notice, NoticeKind
from cunzhan.notices.services import notices_generate
from cunzhan.notices.tests.conftest import at


@pytest.mark.django_db
def test_a_keeper_lists_reads_and_marks_notices_through_the_api(monthly_only, login):
    notices_generate(at=at(2026, 12, 3, 9))
    client = login(monthly_only.keeper)
    data = client.get("/api/v1/notices").json()
    assert data["unread"] == 1
    [item] = data["items"]
    assert (item["title"], item["action"], item["link"]) == (
        "请在 12月5日 前提交 11月 月报",
        "去提交",
        "/reports/JX-0001/monthly/2026-11/",
    )
    read = client.post(f"/api/v1/notices/{item['id']}/read").json()
    assert read["read_at"] is not None
    assert client.get("/api/v1/notices?unread=true").json() == {"unread": 0, "items": []}
    assert login(monthly_only.other_keeper).post(f"/api/v1/notices/{item['id']}/read").status_code == 404


@pytest.mark.django_db
def test_the_county_office_chases_through_the_api(monthly_only, second_keeper, login):
    client = login(monthly_only.county)
    with time_machine.travel(at(2026, 12, 6, 10), tick=False):
        answer = client.post(
            "/api/v1/notices/chase",
            {"period": "2026-11", "stations": ["JX-0001", "JX-0002"], "note": "已逾期"},
            content_type="application/json",
        )
    assert answer.status_code == 200
    assert answer.json() == {"sent": 2, "stations": 2, "already": 0, "not_outstanding": []}
    chase = Notice.objects.get(recipient=second_keeper, kind=NoticeKind.REPORT_CHASE)
    assert chase.params["overdue"] is True
    refused = client.post("/api/v1/notices/chase", {"period": "2026-13"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "报表期间格式不正确。"
    keeper = login(monthly_only.keeper).post(
        "/api/v1/notices/chase", {"period": "2026-11"}, content_type="application/json"
    )
    assert keeper.status_code == 403


@pytest.mark.django_db
def test_reminder_settings_through_the_api(world, login):
    client = login(world.county)
    assert client.get("/api/v1/notices/settings").json()["offsets"] == [3, 1]
    saved = client.put("/api/v1/notices/settings", {"offsets": [1, 7]}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["offsets"] == [7, 1]
    bad = client.put("/api/v1/notices/settings", {"send_hour": 3}, content_type="application/json")
    assert bad.status_code == 422
    assert (
        login(world.keeper)
        .put("/api/v1/notices/settings", {"offsets": [1]}, content_type="application/json")
        .status_code
        == 403
    )
    assert login(world.operator).get("/api/v1/notices/deliveries").status_code == 403
    assert login(world.county).get("/api/v1/notices/deliveries").json() == []
