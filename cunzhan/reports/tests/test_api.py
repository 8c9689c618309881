"""The reports API answers a request it cannot act on with the right code: 422 for input that is
incomplete or malformed (with the field and a Chinese reason), 404 for what is outside the scope."""

from __future__ import annotations


def test_the_upward_export_with_an_unknown_kind_is_422(world, client):
    client.force_login(world.county)
    answer = client.post("/api/v1/reports/upward", {"county": "610828", "kind": "everything"}, "application/json")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"kind": ["类型应为 register（认定站点名录）或 statistics（月度统计）。"]}
    outside = client.post("/api/v1/reports/upward", {"county": "360734", "kind": "register"}, "application/json")
    assert outside.status_code == 404


def test_a_user_over_several_counties_gets_the_first_unless_naming_one(world, client):
    client.force_login(world.admin)  # 佳县 and 寻乌县
    assert client.get("/api/v1/reports/status?month=2025-03").json()["county"] == "360734"
    assert client.get("/api/v1/reports/status?county=610828&month=2025-03").json()["county"] == "610828"
    client.force_login(world.province)
    assert client.get("/api/v1/reports/status?county=360734&month=2025-03").status_code == 404  # not in 陕西


def test_a_malformed_month_is_422(world, client):
    client.force_login(world.county)
    answer = client.get("/api/v1/reports/status?month=2025-13")
    assert answer.status_code == 422 and answer.json()["errors"] == {"month": ["月份格式应为 YYYY-MM。"]}
