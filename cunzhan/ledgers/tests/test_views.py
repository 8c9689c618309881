from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cunzhan.core.models import Job, JobState
from cunzhan.ledgers import services
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, purchase_rows, write_xlsx

pytestmark = pytest.mark.django_db


def test_a_keeper_records_a_purchase_in_a_few_taps(world, client):
    client.force_login(world.keeper)
    page = client.get("/ledgers/purchase/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="viewport"' in html and "form-control-lg" in html  # phone-sized, big inputs
    today = timezone.localdate().isoformat()
    assert f'name="occurred_on" value="{today}"' in html
    response = client.post(
        "/ledgers/purchase/new/",
        {
            "s-station": world.station_keng.pk,
            "occurred_on": today,
            "product_name": "复合肥",
            "quantity": "1",
            "amount": "120",
            "platform": "拼多多",
            "again": "1",
        },
    )
    assert response.status_code == 302 and "station=JX-0001" in response["Location"]
    # the next entry starts from today, the platform used last and the recent products
    html = client.get(response["Location"]).content.decode()
    assert 'value="拼多多"' in html and '<option value="复合肥">' in html
    assert ProxyPurchase.objects.get().created_by == world.keeper


def test_the_list_masks_and_filters(world, client):
    client.force_login(world.keeper)
    client.post(
        "/ledgers/purchase/new/",
        {
            "s-station": world.station_keng.pk,
            "occurred_on": "2025-03-01",
            "product_name": "复合肥",
            "quantity": "1",
            "amount": "120",
            "platform": "拼多多",
            "customer_phone": "13800001234",
        },
    )
    assert "13800001234" in client.get("/ledgers/purchase/").content.decode()
    client.force_login(world.supervisor)
    html = client.get("/ledgers/purchase/?from=2025-01-01&q=复合肥").content.decode()
    assert "138****1234" in html and "13800001234" not in html
    assert "复合肥" not in client.get("/ledgers/purchase/?to=2025-02-01").content.decode().split("<tbody>")[1]


def test_edit_and_delete_pages(world, client):
    client.force_login(world.keeper)
    client.post(
        "/ledgers/purchase/new/",
        {"s-station": world.station_keng.pk, "occurred_on": "2025-03-01", "product_name": "复合肥",
         "quantity": "1", "amount": "120", "platform": "拼多多"},
    )  # fmt: skip
    entry = ProxyPurchase.objects.get()
    edit_url = reverse("ledgers:edit", args=["purchase", entry.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {"occurred_on": "2025-03-01", "product_name": "复合肥", "quantity": "1", "amount": "99.5", "platform": "淘宝",
         "v-version": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    entry.refresh_from_db()
    assert str(entry.amount) == "99.50"
    client.force_login(world.other_keeper)
    assert client.get(edit_url).status_code == 404
    client.force_login(world.keeper)
    assert client.post(reverse("ledgers:delete", args=["purchase", entry.pk])).status_code == 302
    assert not ProxyPurchase.objects.exists()


def test_an_edit_over_someone_elses_correction_is_refused_keeping_what_was_typed(world, client):
    entry = services.entry_create(
        acting_user=world.keeper, kind="purchase", station=world.station_keng, occurred_on=date(2025, 3, 1),
        product_name="复合肥", quantity=1, amount="120", platform="拼多多",
    )  # fmt: skip
    edit_url = reverse("ledgers:edit", args=["purchase", entry.pk])
    client.force_login(world.operator)
    assert 'name="v-version" value="1"' in client.get(edit_url).content.decode()
    services.entry_update(acting_user=world.keeper, entry=entry, version=1, amount="130")  # meanwhile
    page = client.post(
        edit_url,
        {"occurred_on": "2025-03-01", "product_name": "复合肥", "quantity": "1", "amount": "99.5", "platform": "淘宝",
         "v-version": "1"},
    )  # fmt: skip
    html = page.content.decode()
    assert page.status_code == 200 and "这条记录已被他人（keeper，" in html
    assert 'value="99.5"' in html  # what the operator typed is still there
    entry.refresh_from_db()
    assert (str(entry.amount), entry.version) == ("130.00", 2)


def test_the_import_page_shows_each_error_and_then_imports(world, client, tmp_path):
    client.force_login(world.keeper)
    rows = purchase_rows()
    rows[0][1] = "2025-02-30"
    rows[1][4] = -1
    rows[2][0] = "JX-9999"
    rows[3][8] = "610828199001011231"
    path = write_xlsx(tmp_path / "bad.xlsx", PURCHASE_HEADER, rows)
    with path.open("rb") as handle:
        html = client.post("/ledgers/purchase/import/", {"file": handle}).content.decode()
    assert "文件有 4 处错误，未保存任何数据" in html
    for text in ("不存在", "负数", "JX-9999", "身份证号"):
        assert text in html
    assert not ProxyPurchase.objects.exists()
    good = write_xlsx(tmp_path / "good.xlsx", PURCHASE_HEADER, purchase_rows())
    for created in (4, 0):
        with good.open("rb") as handle:
            html = client.post("/ledgers/purchase/import/", {"file": handle}).content.decode()
        assert f"新增 {created} 行" in html
    assert ProxyPurchase.objects.count() == 4


def test_templates_download_with_chinese_headers(world, client):
    client.force_login(world.keeper)
    xlsx = client.get("/ledgers/sale/template.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["站点编码", "日期", "商品名称"]
    csv = client.get("/ledgers/parcel/template.csv").content.decode("utf-8-sig")
    assert csv.startswith("站点编码,方向,快递公司,运单号")


def test_export_page_and_progress_page(world, client):
    client.force_login(world.keeper)
    response = client.get("/ledgers/purchase/export/?fmt=csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode("utf-8-sig").startswith("站点编码,日期")
    now = timezone.now()
    job = Job.objects.create(
        kind="ledgers.import", params={"kind": "purchase", "name": "a.xlsx"}, state=JobState.RUNNING,
        phase="write", progress_done=50, progress_total=200, created_by=world.keeper, queued_at=now, created_at=now,
    )  # fmt: skip
    html = client.get(f"/ledgers/imports/{job.pk}/").content.decode()
    assert "25%" in html and "hx-trigger" in html
    client.force_login(world.other_keeper)
    assert client.get(f"/ledgers/imports/{job.pk}/").status_code == 404
    assert client.get("/ledgers/imports/abc/").status_code == 404


def test_the_backlog_page(world, client):
    client.force_login(world.supervisor)
    assert "没有积压的快递" in client.get("/ledgers/parcel/backlog/").content.decode()


def test_the_backlog_page_lists_waiting_parcels_with_the_phone_masked_unless_allowed(world, client):
    from datetime import timedelta

    from cunzhan.ledgers.tests.helpers import record_parcel

    record_parcel(world, "ZT-WAITING", timezone.now() - timedelta(hours=50), recipient_phone="13800001234")
    client.force_login(world.keeper)
    page = client.get("/ledgers/parcel/backlog/")
    html = page.content.decode()
    assert page.status_code == 200 and "ZT-WAITING" in html and "13800001234" in html
    assert "JX-0001：1" in html
    client.force_login(world.supervisor)
    html = client.get("/ledgers/parcel/backlog/").content.decode()
    assert "ZT-WAITING" in html and "13800001234" not in html and "138****1234" in html


def test_a_parcel_arrives_now_unless_the_keeper_says_otherwise(world, client):
    import time_machine

    client.force_login(world.keeper)
    with time_machine.travel("2026-03-05 14:37:12+08:00", tick=False):
        page = client.get("/ledgers/parcel/new/").content.decode()
    assert 'name="arrived_at" value="2026-03-05T14:37"' in page
