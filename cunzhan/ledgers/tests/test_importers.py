from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from cunzhan.core.tabular import ImportRejected
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.models import ImportBatch, Parcel, ProxyPurchase, ProxySale
from cunzhan.ledgers.specs import spec_for
from cunzhan.ledgers.tests.helpers import GOOD_ID, PURCHASE_HEADER, purchase_rows, write_csv, write_xlsx
from cunzhan.stations.models import Station

pytestmark = pytest.mark.django_db


def bad_rows() -> list[list]:
    rows = purchase_rows()
    rows[0][1] = "2025-02-30"  # a date that does not exist
    rows[1][4] = -80  # a negative amount
    rows[2][0] = "JX-9999"  # a station that does not exist
    rows[3][8] = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")  # a wrong check character
    return rows


@pytest.mark.parametrize("writer", [write_xlsx, write_csv], ids=["xlsx", "csv"])
def test_a_bad_file_gets_one_precise_chinese_message_per_bad_cell_and_saves_nothing(world, tmp_path, writer):
    path = writer(tmp_path / f"bad.{'xlsx' if writer is write_xlsx else 'csv'}", PURCHASE_HEADER, bad_rows())
    with pytest.raises(ImportRejected) as caught:
        import_ledger(acting_user=world.keeper, kind="purchase", source=path)
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "日期"),
        (3, "金额（元）"),
        (4, "站点编码"),
        (5, "顾客身份证号"),
    ]
    assert "不存在" in errors[0].message
    assert "负数" in errors[1].message
    assert "JX-9999" in errors[2].message
    assert "校验位" in errors[3].message
    assert str(errors[0]).startswith("第 2 行“日期”列：")
    assert ProxyPurchase.objects.count() == 0
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_importing_the_fixed_file_twice_records_each_row_once(world, tmp_path, suffix):
    writer = write_xlsx if suffix == "xlsx" else write_csv
    path = writer(tmp_path / f"good.{suffix}", PURCHASE_HEADER, purchase_rows())
    first = import_ledger(acting_user=world.keeper, kind="purchase", source=path)
    second = import_ledger(acting_user=world.keeper, kind="purchase", source=path)
    assert (first.rows_read, first.rows_created, first.rows_skipped) == (4, 4, 0)
    assert (second.rows_read, second.rows_created, second.rows_skipped) == (4, 0, 4)
    assert ProxyPurchase.objects.count() == 4  # the two identical rows are two purchases
    fertiliser = ProxyPurchase.objects.get(product_name="复合肥 50kg")
    assert fertiliser.amount == Decimal("236.50")
    assert fertiliser.quantity == Decimal("2.000")
    assert fertiliser.occurred_on == date(2025, 3, 1)
    assert fertiliser.customer_id_number == GOOD_ID
    assert fertiliser.county_code == "610828"
    assert fertiliser.batch_id == first.batch.pk
    assert fertiliser.created_by == world.keeper
    assert ImportBatch.objects.count() == 2


def test_the_same_rows_in_xlsx_and_csv_have_the_same_keys(world, tmp_path):
    import_ledger(
        acting_user=world.keeper,
        kind="purchase",
        source=write_xlsx(tmp_path / "a.xlsx", PURCHASE_HEADER, purchase_rows()),
    )
    again = import_ledger(
        acting_user=world.keeper,
        kind="purchase",
        source=write_csv(tmp_path / "a.csv", PURCHASE_HEADER, purchase_rows()),
    )
    assert again.rows_created == 0


def test_a_longer_file_adds_only_its_new_rows(world, tmp_path):
    rows = purchase_rows()
    import_ledger(
        acting_user=world.keeper, kind="purchase", source=write_csv(tmp_path / "a.csv", PURCHASE_HEADER, rows[:2])
    )
    result = import_ledger(
        acting_user=world.keeper, kind="purchase", source=write_csv(tmp_path / "b.csv", PURCHASE_HEADER, rows)
    )
    assert result.rows_created == 2
    assert ProxyPurchase.objects.count() == 4


def test_an_import_keeps_the_stations_last_activity_current(world, tmp_path):
    result = import_ledger(
        acting_user=world.keeper,
        kind="purchase",
        source=write_csv(tmp_path / "a.csv", PURCHASE_HEADER, purchase_rows()),
    )
    world.station_keng.refresh_from_db()
    assert world.station_keng.last_activity_at == result.batch.started_at
    assert Station.objects.get(code="JX-0002").last_activity_at is None


def test_a_keeper_cannot_import_another_stations_rows(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", PURCHASE_HEADER, purchase_rows("JX-0002"))
    with pytest.raises(ImportRejected) as caught:
        import_ledger(acting_user=world.keeper, kind="purchase", source=path)
    assert len(caught.value.errors) == 4
    assert all("不在您的管辖范围内" in e.message for e in caught.value.errors)


def test_the_county_office_imports_for_its_stations_and_a_supervisor_may_not(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", PURCHASE_HEADER, purchase_rows("JX-0002"))
    assert import_ledger(acting_user=world.county, kind="purchase", source=path).rows_created == 4
    with pytest.raises(PermissionDenied):
        import_ledger(acting_user=world.supervisor, kind="purchase", source=path)


def test_missing_columns_and_blank_rows(world, tmp_path):
    with pytest.raises(ImportRejected) as caught:
        import_ledger(
            acting_user=world.keeper, kind="purchase", source=write_csv(tmp_path / "a.csv", ["站点编码", "日期"], [])
        )
    assert {e.column for e in caught.value.errors} == {"商品名称", "数量", "金额（元）", "网店/平台"}
    rows = purchase_rows()
    rows.insert(1, [""] * 9)
    rows[3][4] = "abc"  # the sheet's row 5, after the blank row 3
    with pytest.raises(ImportRejected) as caught:
        import_ledger(
            acting_user=world.keeper, kind="purchase", source=write_csv(tmp_path / "b.csv", PURCHASE_HEADER, rows)
        )
    assert [(e.row, e.column) for e in caught.value.errors] == [(5, "金额（元）")]


def test_an_unsupported_file_is_refused(world, tmp_path):
    path = tmp_path / "a.txt.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(ImportRejected, match="不支持的文件类型"):
        import_ledger(acting_user=world.keeper, kind="purchase", source=path)


def test_sales_read_yes_and_no(world, tmp_path):
    header = spec_for("sale").headers
    rows = [["JX-0001", "2025-03-01", "佳县红枣 5kg", "10", "450", "", "是", "李四", "是", ""]]
    import_ledger(acting_user=world.keeper, kind="sale", source=write_csv(tmp_path / "s.csv", header, rows))
    sale = ProxySale.objects.get()
    assert sale.via_county_centre and sale.poor_household and sale.farm_product


def test_parcels_are_keyed_by_carrier_and_tracking_number(world, tmp_path):
    header = spec_for("parcel").headers
    rows = [
        ["JX-0001", "收", "中通", "ZT001", "2025-03-01 09:30", "2025-03-01 10:00", "", "JJ1", "13800001234"],
        ["JX-0001", "寄", "圆通", "YT001", "2025-03-01 11:00", "", "2025-03-01 17:00", "", ""],
    ]
    path = write_csv(tmp_path / "p.csv", header, rows)
    assert import_ledger(acting_user=world.keeper, kind="parcel", source=path).rows_created == 2
    assert import_ledger(acting_user=world.keeper, kind="parcel", source=path).rows_created == 0
    parcel = Parcel.objects.get(tracking_no="ZT001")
    assert parcel.occurred_on == date(2025, 3, 1)
    assert parcel.arrived_at.hour == 1  # 09:30 in Beijing is 01:30 UTC
    assert parcel.handed_over_at is None
    rows.append(["JX-0001", "收", "中通", "ZT001", "2025-03-02 09:30", "2025-03-01 08:00", "", "", ""])
    with pytest.raises(ImportRejected) as caught:
        import_ledger(acting_user=world.keeper, kind="parcel", source=write_csv(tmp_path / "q.csv", header, rows))
    assert [(e.row, e.column) for e in caught.value.errors] == [(4, "运单号"), (4, "通知时间")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the streamed COPY path is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_streamed_copy_path_is_idempotent_and_all_or_nothing(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", PURCHASE_HEADER, purchase_rows())
    assert not connection.in_atomic_block  # so the import streams COPY and probes keys on a second connection
    assert import_ledger(acting_user=world.keeper, kind="purchase", source=path).rows_created == 4
    assert import_ledger(acting_user=world.keeper, kind="purchase", source=path).rows_created == 0
    with pytest.raises(ImportRejected):
        import_ledger(
            acting_user=world.keeper, kind="purchase", source=write_csv(tmp_path / "b.csv", PURCHASE_HEADER, bad_rows())
        )
    assert ProxyPurchase.objects.count() == 4
    assert ImportBatch.objects.count() == 2


def _overlapping_import(world, tmp_path) -> tuple[int, int]:
    first = purchase_rows()[:3]
    import_ledger(
        acting_user=world.operator, kind="purchase", source=write_csv(tmp_path / "1.csv", PURCHASE_HEADER, first)
    )
    # the earlier rows again, among new ones: another day, another station, a third identical sale
    rows = [
        *purchase_rows(),
        ["JX-0001", date(2025, 3, 2), "玉米种子", 10, 80, "淘宝", "", "", ""],
        ["JX-0002", date(2025, 3, 1), "复合肥 50kg", 2, 236.5, "拼多多", "张三", "13800001234", GOOD_ID],
    ]
    result = import_ledger(
        acting_user=world.operator, kind="purchase", source=write_csv(tmp_path / "2.csv", PURCHASE_HEADER, rows)
    )
    return result.rows_created, result.rows_skipped


def test_a_file_overlapping_an_earlier_import_adds_only_its_new_rows(world, tmp_path):
    assert _overlapping_import(world, tmp_path) == (3, 3)
    assert ProxyPurchase.objects.filter(product_name="玉米种子").count() == 3
    assert ProxyPurchase.objects.filter(station__code="JX-0002").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the streamed COPY path is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_streamed_path_adds_only_the_new_rows_of_an_overlapping_file(world, tmp_path):
    assert not connection.in_atomic_block
    assert _overlapping_import(world, tmp_path) == (3, 3)
    assert ProxyPurchase.objects.count() == 6
