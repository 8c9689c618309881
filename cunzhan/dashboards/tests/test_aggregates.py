"""The monthly aggregates follow every kind of ledger write: entries, imports, corrections, deletions."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from cunzhan.ledgers import services
from cunzhan.ledgers.aggregates import rebuild_county, refresh_county
from cunzhan.ledgers.models import ProxyPurchase, StationMonth


def purchase(world, day: date, amount: str = "100.00", station=None, acting_user=None):
    return services.entry_create(
        acting_user=acting_user or world.operator,
        kind="purchase",
        station=station or world.station_keng,
        occurred_on=day,
        product_name="复合肥",
        quantity=Decimal("1"),
        amount=Decimal(amount),
        platform="淘宝",
    )


def month_row(station, month: date) -> StationMonth | None:
    return StationMonth.objects.filter(station=station, month=month).first()


def test_new_entries_are_counted_into_their_station_month(world):
    purchase(world, date(2026, 3, 2), "100.00")
    purchase(world, date(2026, 3, 30), "50.50")
    purchase(world, date(2026, 4, 1), "1.00", station=world.station_dian)
    assert refresh_county("610828") == 2
    row = month_row(world.station_keng, date(2026, 3, 1))
    assert (row.purchase_orders, row.purchase_amount) == (2, Decimal("150.50"))
    assert month_row(world.station_dian, date(2026, 4, 1)).purchase_amount == Decimal("1.00")
    assert refresh_county("610828") == 0  # nothing new: nothing recounted


def test_rows_added_in_bulk_are_picked_up_by_id(world):
    purchase(world, date(2026, 3, 2))
    refresh_county("610828")
    ProxyPurchase.objects.bulk_create(
        ProxyPurchase(
            station=world.station_keng,
            county_code="610828",
            occurred_on=date(2026, 5, d),
            row_key=uuid.uuid4().hex,
            product_name="种子",
            quantity=Decimal("1"),
            amount=Decimal("10.00"),
            platform="京东",
        )
        for d in range(1, 4)
    )
    refresh_county("610828")
    assert month_row(world.station_keng, date(2026, 5, 1)).purchase_amount == Decimal("30.00")


def test_a_correction_that_moves_an_entry_recounts_both_months(world):
    entry = purchase(world, date(2026, 3, 2), "100.00")
    refresh_county("610828")
    services.entry_update(
        acting_user=world.operator, entry=entry, version=entry.version, occurred_on=date(2026, 4, 2), amount="80.00"
    )
    refresh_county("610828")
    assert month_row(world.station_keng, date(2026, 3, 1)) is None
    assert month_row(world.station_keng, date(2026, 4, 1)).purchase_amount == Decimal("80.00")


def test_a_deleted_entry_leaves_its_month(world):
    keep = purchase(world, date(2026, 3, 2), "100.00")
    gone = purchase(world, date(2026, 3, 3), "20.00")
    refresh_county("610828")
    services.entry_delete(acting_user=world.operator, entry=gone)
    refresh_county("610828")
    assert month_row(world.station_keng, date(2026, 3, 1)).purchase_amount == keep.amount


def test_a_rebuild_matches_the_incremental_counts(world):
    for d in (1, 2, 3):
        purchase(world, date(2026, 6, d), "10.00")
    refresh_county("610828")
    before = list(StationMonth.objects.values_list("station_id", "month", "purchase_orders", "purchase_amount"))
    rebuild_county("610828")
    after = list(StationMonth.objects.values_list("station_id", "month", "purchase_orders", "purchase_amount"))
    assert before == after
    assert not StationMonth.objects.filter(county_code="360734").exists()


def test_the_refresh_command_rebuilds_every_county(world):
    from django.core.management import call_command

    purchase(world, date(2026, 2, 2))
    StationMonth.objects.all().delete()
    call_command("dashboards_refresh", "--full")
    assert month_row(world.station_keng, date(2026, 2, 1)).purchase_orders == 1


def test_a_refresh_of_many_counties_recounts_only_those_with_new_rows(world):
    from cunzhan.ledgers.aggregates import refresh_counties

    def xunwu(day):  # 寻乌县, outside the operator's unit
        purchase(world, day, station=world.station_xunwu, acting_user=world.admin)

    purchase(world, date(2026, 3, 2))
    xunwu(date(2026, 3, 2))
    assert refresh_counties(["610828", "360734"]) == 2  # a station-month in each
    assert refresh_counties(["610828", "360734"]) == 0
    purchase(world, date(2026, 5, 2), station=world.station_dian)
    assert refresh_counties(["610828", "360734"]) == 1  # only 佳县 has a new row
    xunwu(date(2026, 5, 3))
    xunwu(date(2026, 6, 3))
    assert refresh_counties(["360734", "610828"]) == 2  # only 寻乌县: two station-months
    assert month_row(world.station_xunwu, date(2026, 6, 1)).purchase_orders == 1
    assert refresh_county("610828") == refresh_county("360734") == 0
