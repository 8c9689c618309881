from __future__ import annotations

from cunzhan.supervision.models import Complaint, Inspection, InspectionPhoto, VerificationStatus
from cunzhan.supervision.rating_items import RATING_ITEMS
from cunzhan.supervision.tests.conftest import jpeg_bytes, upload


def form_data(**overrides):
    data = {
        "station": "",
        "year": "2026",
        "half": "H1",
        "inspected_at": "2026-06-20T10:30",
        "location": "站点门口",
        "latitude": "38.021",
        "longitude": "110.493",
    }
    for item in RATING_ITEMS:
        data[f"score_{item.key}"] = str(item.max)
        data[f"comment_{item.key}"] = ""
    data.update(overrides)
    return data


def test_a_supervisor_cannot_enter_three_and_a_half_for_a_three_point_item(world, client):
    client.force_login(world.supervisor)
    page = client.get("/supervision/inspections/new/?station=JX-0001").content.decode()
    assert 'max="3"' in page and 'step="0.01"' in page and "未修复报修" in page
    data = form_data(
        station=world.station_keng.pk, score_item2_public_facilities="3.5", comment_item2_public_facilities="x"
    )
    response = client.post("/supervision/inspections/new/", data)
    assert response.status_code == 200
    assert "“公共设施干净整洁”最高 3 分，不能填 3.5" in response.content.decode()
    assert not Inspection.objects.exists()
    response = client.post("/supervision/inspections/new/", form_data(station=world.station_keng.pk))
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.latitude is not None and inspection.inspector == world.supervisor


def test_photos_are_uploaded_served_in_scope_and_bad_ones_explained(world, client):
    client.force_login(world.supervisor)
    client.post("/supervision/inspections/new/", form_data(station=world.station_keng.pk))
    inspection = Inspection.objects.get()
    url = f"/supervision/inspections/{inspection.pk}/photos/"
    response = client.post(url, {"kind": "storefront", "photo": upload()}, follow=True)
    assert "照片已上传" in response.content.decode()
    response = client.post(url, {"kind": "interior", "photo": upload("假图.jpg", b"not an image")}, follow=True)
    assert "“假图.jpg”不是有效的图片文件" in response.content.decode()
    photo = InspectionPhoto.objects.get()
    served = client.get(f"/supervision/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == jpeg_bytes()
    for persona, status in (("other_supervisor", 404), ("other_keeper", 404), ("keeper", 200)):
        client.force_login(world.users[persona])
        assert client.get(f"/supervision/photos/{photo.pk}/").status_code == status, persona


def test_a_public_report_is_recorded_verified_and_shown_on_the_station(world, client):
    client.force_login(world.supervisor)
    response = client.post(
        "/supervision/complaints/new/",
        {
            "station": world.station_keng.pk,
            "kind": "public_report",
            "received_at": "2026-05-06T09:00",
            "description": "站点关门不营业",
            "complainant": "村民",
        },
    )
    assert response.status_code == 302
    report = Complaint.objects.get()
    client.force_login(world.county)
    response = client.post(
        f"/supervision/complaints/{report.pk}/", {"decision": "verify", "evidence": "三次走访均未开门"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == VerificationStatus.VERIFIED
    page = client.get("/supervision/stations/JX-0001/?year=2026").content.decode()
    assert "站点关门不营业" in page and "属实" in page
    client.force_login(world.keeper)
    assert "站点关门不营业" in client.get("/supervision/stations/JX-0001/?year=2026").content.decode()


def test_the_api_refuses_a_score_over_the_maximum(world, client):
    client.force_login(world.supervisor)
    payload = {
        "station": "JX-0001",
        "year": 2026,
        "half": "H1",
        "inspected_at": "2026-06-20T10:30:00+08:00",
        "ratings": {"item1_facilities": {"score": "5.01", "comment": "x"}},
    }
    response = client.post("/api/v1/supervision/inspections", payload, content_type="application/json")
    assert response.status_code == 422
    assert "最高 5 分，不能填 5.01" in response.json()["detail"]
    payload["ratings"] = {i.key: {"score": str(i.max)} for i in RATING_ITEMS}
    response = client.post("/api/v1/supervision/inspections", payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["complete"] is True
    items = client.get("/api/v1/supervision/rating-items").json()
    assert [i["key"] for i in items] == [i.key for i in RATING_ITEMS]


def test_a_supervisor_changes_ratings_through_the_api_and_gets_the_inspection_as_saved(
    world, client, django_assert_max_num_queries
):
    from cunzhan.supervision.models import InspectionRating

    client.force_login(world.supervisor)
    full = {i.key: {"score": str(i.max), "comment": ""} for i in RATING_ITEMS}
    payload = {
        "station": "JX-0001",
        "year": 2026,
        "half": "H1",
        "inspected_at": "2026-06-20T10:30:00+08:00",
        "latitude": "38.1",
        "ratings": full,
    }
    created = client.post("/api/v1/supervision/inspections", payload, content_type="application/json").json()
    first = RATING_ITEMS[0]
    lowered = {**full, first.key: {"score": str(first.max - 1), "comment": "门头破损"}}
    url = f"/api/v1/supervision/inspections/{created['id']}"
    # session, user, the inspection with its station, the station named, the transaction's start, the
    # period check, the inspection before the change, its log entry and update, the ratings under lock,
    # the changed rating and its log entry, the transaction's end, the inspection and its ratings as
    # stored (was 19: the station's scope asked again, the photos read twice)
    with django_assert_max_num_queries(15):
        answer = client.put(url, {**payload, "note": "复查", "ratings": lowered}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body == client.get(url).json()  # the answer is the inspection as stored
    assert body["note"] == "复查" and body["complete"] is True
    saved = InspectionRating.objects.get(inspection_id=created["id"], key=first.key)
    assert saved.score == first.max - 1 and saved.comment == "门头破损"
    client.force_login(world.other_supervisor)  # another township: not his inspection, not his station
    assert client.put(url, payload, content_type="application/json").status_code == 404


def test_refreshing_the_indicators_keeps_what_was_typed_and_never_puts_the_token_in_a_url(world, client):
    from cunzhan.stations import services as stations
    from cunzhan.stations.models import AssetKind

    asset = stations.asset_add(acting_user=world.county, station=world.station_keng, kind=AssetKind.COMPUTER)
    stations.fault_report(acting_user=world.keeper, asset=asset, description="无法开机", stops_operation=True)
    client.force_login(world.supervisor)
    blank = client.get("/supervision/inspections/new/").content.decode()
    assert 'formmethod="get"' not in blank and "满分 10" in blank and "1E+1" not in blank
    assert blank.count(">扣分说明</label>") == len(RATING_ITEMS)  # every comment box has its visible label
    typed = form_data(station=world.station_keng.pk, location="村委会旁", comment_item2_public_facilities="地面有纸屑")
    page = client.post("/supervision/inspections/new/", {**typed, "refresh": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and not Inspection.objects.exists()
    assert f'<option value="{world.station_keng.pk}" selected>' in html  # the station chosen is still chosen
    assert 'value="村委会旁"' in html and "地面有纸屑" in html
    assert 'text-bg-warning">1<' in html  # its open fault, counted for the station chosen
    assert "请改正下面标红的项" not in html
