from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from cunzhan.ledgers import services
from cunzhan.ledgers.models import Parcel, ProxyPurchase
from cunzhan.ledgers.tests.helpers import GOOD_ID

pytestmark = pytest.mark.django_db


def record(user, station, **overrides):
    values = {
        "occurred_on": date(2025, 3, 1),
        "product_name": "复合肥",
        "quantity": Decimal("2"),
        "amount": Decimal("236.50"),
        "platform": "拼多多",
        "customer_phone": "138 0000 1234",
        "customer_id_number": GOOD_ID.lower(),
        **overrides,
    }
    return services.entry_create(acting_user=user, kind="purchase", station=station, **values)


def test_a_keeper_records_a_purchase_for_its_station(world):
    entry = record(world.keeper, world.station_keng)
    assert entry.county_code == "610828"
    assert entry.created_by == world.keeper
    assert entry.customer_phone == "13800001234"
    assert entry.customer_id_number == GOOD_ID.upper()
    assert entry.source == "manual"
    world.station_keng.refresh_from_db()
    assert world.station_keng.last_activity_at == entry.recorded_at


def test_the_last_activity_is_kept_to_the_minute(world):
    """An entry within a minute of the one that set the station's last activity leaves it; one a
    minute or more later moves it (the station's row is not written for every entry)."""
    import time_machine

    station = world.station_keng
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = record(world.keeper, station)
        station.refresh_from_db()
        assert station.last_activity_at == first.recorded_at
        clock.shift(timedelta(seconds=59))
        record(world.keeper, station)
        station.refresh_from_db()
        assert station.last_activity_at == first.recorded_at
        clock.shift(timedelta(seconds=1))
        third = record(world.keeper, station)
        station.refresh_from_db()
        assert station.last_activity_at == third.recorded_at == first.recorded_at + timedelta(minutes=1)


def test_a_keeper_cannot_record_for_another_station_and_a_supervisor_not_at_all(world):
    with pytest.raises(Http404):
        record(world.keeper, world.station_dian)
    with pytest.raises(PermissionDenied):
        record(world.supervisor, world.station_keng)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"quantity": Decimal("0")}, "quantity"),
        ({"customer_phone": "12345"}, "customer_phone"),
        ({"customer_id_number": "610828199001011230"}, "customer_id_number"),
        ({"occurred_on": timezone.localdate() + timedelta(days=1)}, "occurred_on"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(world, overrides, field):
    if field == "customer_id_number" and GOOD_ID.endswith("0"):
        overrides = {"customer_id_number": GOOD_ID[:-1] + "1"}
    with pytest.raises(ValidationError) as caught:
        record(world.keeper, world.station_keng, **overrides)
    assert field in caught.value.message_dict
    assert ProxyPurchase.objects.count() == 0


def test_corrections_and_deletions_are_in_the_operation_log(world):
    entry = record(world.keeper, world.station_keng)
    services.entry_update(acting_user=world.keeper, entry=entry, version=entry.version, amount=Decimal("200.00"))
    pk = entry.pk
    services.entry_delete(acting_user=world.keeper, entry=entry)
    log = LogEntry.objects.filter(object_pk=str(pk), content_type__model="proxypurchase").order_by("timestamp")
    assert [e.action for e in log] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE]
    assert all(e.actor == world.keeper for e in log)
    assert log[1].changes_dict["amount"] == ["236.50", "200.00"]
    world.station_keng.refresh_from_db()
    assert world.station_keng.last_activity_at is None  # no entry left


def test_deleting_keeps_last_activity_at_the_newest_remaining_entry(world):
    older = record(world.keeper, world.station_keng)
    newer = record(world.keeper, world.station_keng, product_name="种子")
    services.entry_delete(acting_user=world.keeper, entry=newer)
    world.station_keng.refresh_from_db()
    assert world.station_keng.last_activity_at == older.recorded_at


def test_a_parcel_tracking_number_is_recorded_once_per_county(world):
    arrived = timezone.now() - timedelta(hours=3)
    values = {"direction": "in", "carrier": "中通", "tracking_no": "ZT1", "arrived_at": arrived}
    parcel = services.entry_create(acting_user=world.keeper, kind="parcel", station=world.station_keng, **values)
    assert parcel.occurred_on == timezone.localtime(arrived).date()
    with pytest.raises(ValidationError) as caught:
        services.entry_create(acting_user=world.operator, kind="parcel", station=world.station_dian, **values)
    assert "tracking_no" in caught.value.message_dict
    # another day, so another month's partition on PostgreSQL: still the same parcel
    earlier = {**values, "arrived_at": arrived - timedelta(days=40)}
    with pytest.raises(ValidationError) as caught:
        services.entry_create(acting_user=world.keeper, kind="parcel", station=world.station_keng, **earlier)
    assert "tracking_no" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.entry_update(
            acting_user=world.keeper, entry=parcel, version=parcel.version, handed_over_at=arrived - timedelta(hours=1)
        )
    assert "handed_over_at" in caught.value.message_dict
    assert Parcel.objects.count() == 1
