"""The dashboards API: a user over several counties names the county (422 without one); a county
outside the scope is 404, never quietly replaced by the user's own counties."""

from __future__ import annotations


def test_the_summary_of_a_multi_county_user_needs_a_county(world, client):
    client.force_login(world.admin)  # 佳县 and 寻乌县
    answer = client.get("/api/v1/dashboards/summary")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"county": ["您管辖多个县，请用 county 参数给出县级区划代码。"]}
    assert client.get("/api/v1/dashboards/summary?county=610828").json()["county"] == "610828"
    client.force_login(world.province)
    assert client.get("/api/v1/dashboards/summary?county=360734").status_code == 404


def test_a_county_office_needs_no_county_and_sees_no_other(world, client):
    client.force_login(world.county)
    assert client.get("/api/v1/dashboards/summary").json()["county"] == "610828"
    assert client.get("/api/v1/dashboards/summary?county=360734").status_code == 404
    assert client.get("/api/v1/dashboards/charts/stations?county=360734").status_code == 404
    assert client.get("/api/v1/dashboards/charts/stations").status_code == 200
