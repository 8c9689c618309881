"""/api/v1/stations: JSON errors, 404 out of scope, 403 without permission, 422 when refused."""

from __future__ import annotations

from datetime import datetime

import time_machine
from django.test import Client

from cunzhan.stations.lifecycle import SHANGHAI
from cunzhan.stations.models import Station, Status
from cunzhan.stations.tests.conftest import COMPLIANT


def payload(**overrides):
    data = {k: (str(v) if not isinstance(v, bool | int) else v) for k, v in COMPLIANT.items()}
    data.update(code="API-001", name="API 服务点", tier="village", region="610828102201")
    data.update(overrides)
    return data


def test_an_operator_registers_and_walks_a_station_through_preliminary_review(world, client):
    client.force_login(world.operator)
    response = client.post("/api/v1/stations", payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied" and body["operating_unit_id"] == world.unit.pk
    moves = client.get("/api/v1/stations/API-001/transitions").json()
    assert {m["to"] for m in moves} == {"preliminary_review", "closed"}
    response = client.post(
        "/api/v1/stations/API-001/transitions", {"to": "preliminary_review"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["actor"] == "operator"
    norms = {n["rule"]: n["outcome"] for n in client.get("/api/v1/stations/API-001/norms").json()}
    assert norms["area"] == "pass" and norms["staff"] == "fail"  # nobody registered yet
    assert len(client.get("/api/v1/stations/API-001/events").json()) == 2


def test_refusals_are_json_with_the_right_status(world, client):
    client.force_login(world.county)
    response = client.post("/api/v1/stations/JX-0001/transitions", {"to": "certified"}, content_type="application/json")
    assert response.status_code == 422
    assert "当前为“运营”，不能变为“认定授牌”" in response.json()["detail"]
    client.force_login(world.supervisor)
    response = client.post(
        "/api/v1/stations/JX-0001/transitions", {"to": "rectifying", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and "运营" in response.json()["detail"]
    assert client.post("/api/v1/stations", payload(), content_type="application/json").status_code == 403
    response = client.post(
        "/api/v1/stations/JX-0002/transitions", {"to": "rectifying", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_register_validation_errors_name_the_field(world, client):
    client.force_login(world.county)
    response = client.post("/api/v1/stations", payload(code="JX-0001"), content_type="application/json")
    assert response.status_code == 422 and "code" in response.json()["errors"]
    response = client.post("/api/v1/stations", payload(region="360734100201"), content_type="application/json")
    assert response.status_code == 404  # another county's village does not exist for this user


def test_update_exempt_assets_and_faults(world, client):
    client.force_login(world.county)
    response = client.patch(
        "/api/v1/stations/JX-0001", {"usable_area": "9.5", "version": 0}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["usable_area"] == "9.50"
    assert response.json()["version"] == 1
    response = client.post(
        "/api/v1/stations/JX-0001/exemptions",
        {"rule": "area", "basis": "weak_village", "reason": "基础薄弱"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["approved_by"] == "county"
    asset = client.post("/api/v1/stations/JX-0001/assets", {"kind": "computer"}, content_type="application/json")
    assert asset.status_code == 201
    asset_id = asset.json()["id"]

    client.force_login(world.keeper)
    fault = client.post(
        f"/api/v1/stations/JX-0001/assets/{asset_id}/faults",
        {"description": "黑屏", "stops_operation": True},
        content_type="application/json",
    )
    assert fault.status_code == 201
    fault_id = fault.json()["id"]
    repair = client.post(f"/api/v1/stations/JX-0001/faults/{fault_id}/repair", {}, content_type="application/json")
    assert repair.status_code == 403  # the keeper reports, the operating unit repairs

    client.force_login(world.operator)
    repair = client.post(
        f"/api/v1/stations/JX-0001/faults/{fault_id}/repair", {"repair_note": "换电源"}, content_type="application/json"
    )
    assert repair.status_code == 200 and repair.json()["repaired_at"]
    assert client.get("/api/v1/stations/JX-0001/assets").json()[0]["condition"] == "good"


def test_zombies_and_certified_export(world, client):
    Station.objects.filter(code="JX-0002").update(status=Status.APPLIED)
    client.force_login(world.province)
    document = client.get("/api/v1/stations/export/certified").json()
    assert [s["code"] for s in document["stations"]] == ["JX-0001"]
    zombies = client.get("/api/v1/stations/zombies").json()["items"]
    assert {z["code"] for z in zombies} == set()  # created just now: the clock has not run out


def test_of_two_api_clients_who_read_the_same_station_the_second_gets_409(world, client):
    world.operator.display_name = "李四"
    world.operator.save()
    with time_machine.travel(datetime(2026, 3, 5, 9, 7, tzinfo=SHANGHAI), tick=False):
        client.force_login(world.operator)
        other = Client()
        other.force_login(world.county)
        version = client.get("/api/v1/stations/JX-0001").json()["version"]
        assert other.get("/api/v1/stations/JX-0001").json()["version"] == version == 0

        first = client.patch(
            "/api/v1/stations/JX-0001", {"fees": "免费", "version": version}, content_type="application/json"
        )
        second = other.patch(
            "/api/v1/stations/JX-0001", {"fees": "每件 1 元", "version": version}, content_type="application/json"
        )
    assert first.status_code == 200 and first.json()["version"] == 1
    assert second.status_code == 409
    assert second.json() == {"detail": "该服务站信息已被他人（李四，09:07）修改，请刷新后重新编辑，您的修改未保存。"}
    assert Station.objects.get(code="JX-0001").fees == "免费"


def test_an_api_update_without_the_version_is_refused(world, client):
    client.force_login(world.county)
    response = client.patch("/api/v1/stations/JX-0001", {"fees": "免费"}, content_type="application/json")
    assert response.status_code == 422
    assert Station.objects.get(code="JX-0001").fees == ""
