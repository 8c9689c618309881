"""/api/v1/assessments: the 考核 pages' workflow as operations — compute, review, publish, correct;
rectification ordered and closed; the county's scheme copied and edited; the subsidies set."""

from __future__ import annotations

from decimal import Decimal as D

from cunzhan.assessment.models import Assessment, Rectification, SchemeVersion, Status, SubsidyRule
from cunzhan.assessment.tests.test_services import certify, inspect, no_report_duties  # noqa: F401
from cunzhan.supervision.rating_items import RATING_ITEMS

H1_2025 = {"year": 2025, "period": "H1"}


def send(client, method, path, data=None):
    return getattr(client, method)(path, data or {}, content_type="application/json")


def ready(world, *, failing=False):
    """佳县's two stations certified and inspected for 2025 H1 (JX-0001 with no points, if ``failing``)."""
    for station in (world.station_keng, world.station_dian):
        certify(station)
    low = {item.key: D(0) for item in RATING_ITEMS} if failing else None
    inspect(world.station_keng, world.supervisor, scores=low)
    inspect(world.station_dian, world.other_supervisor)


def test_the_county_office_computes_reviews_publishes_and_corrects(world, client):
    ready(world)
    client.force_login(world.county)
    computed = send(client, "post", "/api/v1/assessments", H1_2025)
    assert computed.status_code == 200, computed.content
    pk = computed.json()["id"]
    assert computed.json()["status"] == Status.DRAFT and computed.json()["county"] == "610828"
    assert send(client, "post", "/api/v1/assessments", H1_2025).json()["id"] == pk  # recomputed, the same draft
    assert send(client, "post", f"/api/v1/assessments/{pk}/review").json()["status"] == Status.REVIEW
    published = send(client, "post", f"/api/v1/assessments/{pk}/publish")
    assert published.status_code == 200 and published.json()["status"] == Status.PUBLISHED
    again = send(client, "post", "/api/v1/assessments", H1_2025)
    assert again.status_code == 422 and "请发起更正" in again.json()["detail"]
    assert send(client, "post", f"/api/v1/assessments/{pk}/correct", {"reason": " "}).status_code == 422
    correction = send(client, "post", f"/api/v1/assessments/{pk}/correct", {"reason": "补录了一次察看"})
    assert correction.status_code == 201
    assert correction.json()["version"] == 2 and correction.json()["reason"] == "补录了一次察看"


def test_publishing_follows_the_workflow_and_refuses_an_incomplete_result(world, client):
    for station in (world.station_keng, world.station_dian):
        certify(station)
    inspect(world.station_keng, world.supervisor)  # JX-0002 has no ratings: incomplete
    client.force_login(world.county)
    pk = send(client, "post", "/api/v1/assessments", H1_2025).json()["id"]
    early = send(client, "post", f"/api/v1/assessments/{pk}/publish")
    assert early.status_code == 422 and "请先提交审核" in early.json()["detail"]
    send(client, "post", f"/api/v1/assessments/{pk}/review")
    incomplete = send(client, "post", f"/api/v1/assessments/{pk}/publish")
    assert incomplete.status_code == 422 and "JX-0002" in incomplete.json()["detail"]
    assert Assessment.objects.get(pk=pk).status == Status.REVIEW


def test_only_the_county_office_runs_its_own_countys_assessment(world, client):
    ready(world)
    client.force_login(world.county)
    pk = send(client, "post", "/api/v1/assessments", H1_2025).json()["id"]
    for persona in ("keeper", "supervisor", "operator", "city"):
        client.force_login(world.users[persona])
        assert send(client, "post", "/api/v1/assessments", H1_2025).status_code in (403, 404), persona
        assert send(client, "post", f"/api/v1/assessments/{pk}/review").status_code == 403, persona
    client.force_login(world.other_county)
    assert send(client, "post", f"/api/v1/assessments/{pk}/review").status_code == 404
    assert send(client, "post", "/api/v1/assessments", {**H1_2025, "county": "610828"}).status_code == 404
    client.force_login(world.admin)
    several = send(client, "post", "/api/v1/assessments", H1_2025)
    assert several.status_code == 422 and "county" in several.json()["detail"]
    assert send(client, "post", "/api/v1/assessments", {**H1_2025, "county": "610828"}).status_code == 200


def test_a_failing_station_is_ordered_to_rectify_and_the_re_inspection_closes_it(world, client):
    ready(world, failing=True)
    client.force_login(world.county)
    pk = send(client, "post", "/api/v1/assessments", H1_2025).json()["id"]
    results = {r["station"]: r for r in client.get(f"/api/v1/assessments/{pk}/results").json()}
    failing = results["JX-0001"]["id"]
    order = {"deadline": "2099-01-01", "requirements": "一个月内补齐台账"}
    draft = send(client, "post", f"/api/v1/assessments/results/{failing}/rectification", order)
    assert draft.status_code == 422  # not published yet
    send(client, "post", f"/api/v1/assessments/{pk}/review")
    send(client, "post", f"/api/v1/assessments/{pk}/publish")
    passing = results["JX-0002"]["id"]
    refused = send(client, "post", f"/api/v1/assessments/results/{passing}/rectification", order)
    assert refused.status_code == 422 and "不合格" in refused.json()["detail"]
    ordered = send(client, "post", f"/api/v1/assessments/results/{failing}/rectification", order)
    assert ordered.status_code == 201 and ordered.json()["outcome"] == "open"
    world.station_keng.refresh_from_db()
    assert world.station_keng.status == "rectifying"
    assert [r["id"] for r in client.get("/api/v1/assessments/rectifications").json()] == [ordered.json()["id"]]
    path = f"/api/v1/assessments/rectifications/{ordered.json()['id']}/close"
    closed = send(client, "post", path, {"passed": True, "note": "台账已补齐"})
    assert closed.status_code == 200 and closed.json()["outcome"] == "passed"
    world.station_keng.refresh_from_db()
    assert world.station_keng.status == "operating"
    assert send(client, "post", path, {"passed": True, "note": "再来"}).status_code == 422
    client.force_login(world.other_county)
    assert send(client, "post", path, {"passed": False, "note": "x"}).status_code == 404
    assert Rectification.objects.get().outcome == "passed"


def test_the_county_copies_its_scheme_and_edits_the_copy(world, client):
    client.force_login(world.county)
    schemes = client.get("/api/v1/assessments/schemes").json()
    assert [s["county"] for s in schemes] == [None]  # the system default only
    copied = send(client, "post", "/api/v1/assessments/schemes", {"name": "佳县方案"})
    assert copied.status_code == 201 and copied.json()["county"] == "610828" and copied.json()["name"] == "佳县方案"
    pk, data = copied.json()["id"], copied.json()["data"]
    edited = send(client, "put", f"/api/v1/assessments/schemes/{pk}", {"data": {**data, "name": "佳县方案（修订）"}})
    assert edited.status_code == 200 and SchemeVersion.objects.get(pk=pk).name == "佳县方案（修订）"
    broken = send(client, "put", f"/api/v1/assessments/schemes/{pk}", {"data": {**data, "items": 5}})
    assert broken.status_code == 422 and "结构不正确" in broken.json()["detail"]
    default = schemes[0]["id"]
    assert send(client, "put", f"/api/v1/assessments/schemes/{default}", {"data": data}).status_code == 422
    client.force_login(world.other_county)
    assert client.get(f"/api/v1/assessments/schemes/{pk}").status_code == 404
    client.force_login(world.keeper)
    assert client.get("/api/v1/assessments/schemes").status_code == 403


def test_the_county_sets_its_subsidies(world, client):
    client.force_login(world.county)
    amounts = [
        {"grade": "优秀", "tier": "village", "amount": "3000.005"},
        {"grade": "合格", "tier": "village", "amount": "1000"},
    ]
    answer = send(client, "put", "/api/v1/assessments/subsidies", {"amounts": amounts})
    assert answer.status_code == 200
    assert {(r["grade"], r["amount"]) for r in answer.json()} == {("优秀", "3000.01"), ("合格", "1000.00")}
    cleared = send(client, "put", "/api/v1/assessments/subsidies", {"amounts": [{"grade": "合格", "tier": "village"}]})
    assert [r["grade"] for r in cleared.json()] == ["优秀"]
    bad = send(client, "put", "/api/v1/assessments/subsidies", {"amounts": [{"grade": "良好", "tier": "village"}]})
    assert bad.status_code == 422 and "等级应为" in bad.json()["detail"]
    negative = send(client, "put", "/api/v1/assessments/subsidies", {"amounts": [{**amounts[1], "amount": "-1"}]})
    assert negative.status_code == 422 and SubsidyRule.objects.count() == 1
    assert client.get("/api/v1/assessments/subsidies").json() == cleared.json()
    client.force_login(world.operator)
    assert send(client, "put", "/api/v1/assessments/subsidies", {"amounts": amounts}).status_code == 403


def test_the_publication_settings_through_the_api(world, client):
    client.force_login(world.county)
    got = client.get("/api/v1/assessments/publication-settings").json()
    assert got["county"] == "610828" and got["separate_reviewer"] is False  # the suite's counties predate the rule
    put = client.put(
        "/api/v1/assessments/publication-settings",
        {"separate_reviewer": True, "supervision_phone": "0912-7212345"},
        "application/json",
    )
    assert put.status_code == 200 and put.json()["separate_reviewer"] is True
    assert put.json()["supervision_phone"] == "0912-7212345" and put.json()["publicity_days"] == 7
    assert (
        client.put("/api/v1/assessments/publication-settings", {"publicity_days": 0}, "application/json").status_code
        == 422
    )
    client.force_login(world.operator)
    assert client.get("/api/v1/assessments/publication-settings").status_code == 403
