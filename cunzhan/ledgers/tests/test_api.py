from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.ledgers.tests.helpers import GOOD_ID, PURCHASE_HEADER, purchase_rows, write_csv

pytestmark = pytest.mark.django_db

NEW = {
    "station": "JX-0001",
    "occurred_on": "2025-03-01",
    "product_name": "复合肥",
    "quantity": "2",
    "amount": "236.50",
    "platform": "拼多多",
    "customer_phone": "13800001234",
    "customer_id_number": GOOD_ID,
}


def test_a_keeper_records_lists_corrects_and_deletes_through_the_api(world, client):
    client.force_login(world.keeper)
    created = client.post("/api/v1/ledgers/purchase", NEW, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "236.50" and body["customer_phone"] == "13800001234"
    listed = client.get("/api/v1/ledgers/purchase?station=JX-0001&date_from=2025-01-01").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    patched = client.patch(
        f"/api/v1/ledgers/purchase/{body['id']}", {"amount": "200", "version": body["version"]}, "application/json"
    )
    assert patched.status_code == 200 and patched.json()["amount"] == "200.00"
    assert client.delete(f"/api/v1/ledgers/purchase/{body['id']}").status_code == 204
    assert ProxyPurchase.objects.count() == 0


def test_the_api_masks_personal_data_for_everyone_but_the_keeper(world, client):
    client.force_login(world.keeper)
    pk = client.post("/api/v1/ledgers/purchase", NEW, content_type="application/json").json()["id"]
    client.force_login(world.county)
    shown = client.get(f"/api/v1/ledgers/purchase/{pk}").json()
    assert shown["customer_phone"] == "138****1234"
    client.force_login(world.other_keeper)
    assert client.get(f"/api/v1/ledgers/purchase/{pk}").status_code == 404


def test_bad_input_is_a_422_in_chinese_and_other_stations_are_404(world, client):
    client.force_login(world.keeper)
    bad = client.post("/api/v1/ledgers/purchase", {**NEW, "customer_phone": "123"}, content_type="application/json")
    assert bad.status_code == 422 and "手机号" in bad.json()["detail"]
    other = client.post("/api/v1/ledgers/purchase", {**NEW, "station": "JX-0002"}, content_type="application/json")
    assert other.status_code == 404
    client.force_login(world.supervisor)
    assert client.post("/api/v1/ledgers/purchase", NEW, content_type="application/json").status_code == 403


def test_import_through_the_api_reports_every_bad_cell(world, client, tmp_path):
    client.force_login(world.keeper)
    rows = purchase_rows()
    rows[1][4] = -1
    path = write_csv(tmp_path / "a.csv", PURCHASE_HEADER, rows)
    with path.open("rb") as handle:
        rejected = client.post("/api/v1/ledgers/purchase/import", {"file": handle})
    assert rejected.status_code == 422
    assert rejected.json()["errors"] == [{"row": 3, "column": "金额（元）", "message": "金额不能为负数（-1）"}]
    path = write_csv(tmp_path / "b.csv", PURCHASE_HEADER, purchase_rows())
    for expected in (4, 0):
        with path.open("rb") as handle:
            result = client.post("/api/v1/ledgers/purchase/import", {"file": handle}).json()
        assert result["rows_created"] == expected
    assert len(client.get("/api/v1/ledgers/imports").json()) == 2


def test_export_through_the_api_masks_by_default(world, client):
    client.force_login(world.keeper)
    client.post("/api/v1/ledgers/purchase", NEW, content_type="application/json")
    client.force_login(world.county)
    csv_text = client.get("/api/v1/ledgers/purchase/export?fmt=csv").content.decode("utf-8-sig")
    assert "138****1234" in csv_text and "13800001234" not in csv_text
    refused = client.get("/api/v1/ledgers/purchase/export?fmt=csv&unmasked=true")
    assert refused.status_code == 422  # the county office must give a reason
    allowed = client.get("/api/v1/ledgers/purchase/export?fmt=xlsx&unmasked=true&reason=核查投诉")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(allowed.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][:2] == ["站点编码", "日期"]
    assert rows[1][7] == "13800001234"
    client.force_login(world.supervisor)
    assert client.get("/api/v1/ledgers/purchase/export?fmt=csv&unmasked=true&reason=x").status_code == 403


def test_the_backlog_endpoint(world, client):
    client.force_login(world.keeper)
    client.post(
        "/api/v1/ledgers/parcel",
        {
            "station": "JX-0001",
            "direction": "in",
            "carrier": "中通",
            "tracking_no": "ZT9",
            "arrived_at": (timezone.now() - timedelta(hours=49)).isoformat(),
        },
        content_type="application/json",
    )
    client.force_login(world.supervisor)
    backlog = client.get("/api/v1/ledgers/parcel/backlog").json()
    assert [p["tracking_no"] for p in backlog["items"]] == ["ZT9"]


def test_a_parcel_through_the_api_costs_a_fixed_handful_of_queries(world, client, django_assert_max_num_queries):
    """The phone app's commonest write: the token (with the keeper's own station, so the station is not
    read again), the parcel's locks and number check, the entry and its audit entry; the station's last
    activity at most once a minute."""
    from django.db import connection

    from cunzhan.accounts.services import token_create
    from cunzhan.ledgers.models import Parcel

    _token, key = token_create(user=world.keeper, name="phone")
    headers = {"Authorization": f"Bearer {key}"}

    def parcel(number: str):
        body = {"station": "JX-0001", "direction": "in", "carrier": "中通", "tracking_no": number}
        body["arrived_at"] = timezone.now().isoformat()
        return client.post("/api/v1/ledgers/parcel", body, content_type="application/json", headers=headers)

    assert parcel("ZT0001").status_code == 201  # sets the station's last activity and the token's last use
    # token and station, the transaction's start, the locks (PostgreSQL only), the number check, the
    # entry, its audit entry, the transaction's end
    most = 7 if connection.vendor == "postgresql" else 6
    with django_assert_max_num_queries(most) as captured:
        answer = parcel("ZT0002")
    assert answer.status_code == 201 and answer.json()["station"] == "JX-0001"
    assert not [q["sql"] for q in captured.captured_queries if 'FROM "stations_station"' in q["sql"]]
    assert Parcel.objects.count() == 2


def test_the_station_that_comes_with_a_keepers_token_is_read_as_the_orm_reads_it(world):
    from cunzhan.accounts.services import token_authenticate, token_create
    from cunzhan.stations.models import Station

    Station.objects.filter(pk=world.station_keng.pk).update(last_activity_at=timezone.now() - timedelta(days=1))
    _token, key = token_create(user=world.keeper, name="phone")
    user = token_authenticate(key)
    stored = Station.objects.get(pk=world.station_keng.pk)
    came = user._state.fields_cache["station"]
    for name in ("pk", "code", "region_id", "county_code", "operating_unit_id", "last_activity_at"):
        assert getattr(came, name) == getattr(stored, name), name
    assert timezone.is_aware(came.last_activity_at)
    assert came.name == stored.name  # any other column is read when asked for

    _token, key = token_create(user=world.supervisor, name="tablet")
    assert "station" not in token_authenticate(key)._state.fields_cache  # no station of their own


def test_a_keepers_token_records_only_at_the_keepers_station(world, client):
    """The keeper's own station comes with the token; any other code is looked up in the keeper's scope."""
    from cunzhan.accounts.services import token_create
    from cunzhan.stations.models import Station

    other = Station.objects.exclude(pk=world.station_keng.pk).order_by("code").first()
    _token, key = token_create(user=world.keeper, name="phone")
    body = {**NEW, "station": other.code}
    answer = client.post(
        "/api/v1/ledgers/purchase", body, content_type="application/json", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 404
    assert ProxyPurchase.objects.count() == 0


def test_two_corrections_from_the_same_version_the_second_is_refused_with_409(world, client):
    """Two clerks load the same entry; the first saves, the second is told who saved and nothing of
    theirs is written (no silent lost update)."""
    client.force_login(world.keeper)
    body = client.post("/api/v1/ledgers/purchase", NEW, content_type="application/json").json()
    url = f"/api/v1/ledgers/purchase/{body['id']}"
    assert body["version"] == 1
    first = client.patch(url, {"amount": "200", "version": 1}, "application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    client.force_login(world.operator)
    second = client.patch(url, {"amount": "999", "version": 1}, "application/json")
    assert second.status_code == 409
    assert second.json()["detail"].startswith("这条记录已被他人（keeper，")
    assert "您的修改未保存" in second.json()["detail"]
    assert ProxyPurchase.objects.get().amount == Decimal("200.00")
    without = client.patch(url, {"amount": "999"}, "application/json")
    assert without.status_code == 422  # the version is required
    again = client.patch(url, {"amount": "150", "version": 2}, "application/json")
    assert again.status_code == 200 and again.json()["amount"] == "150.00"
