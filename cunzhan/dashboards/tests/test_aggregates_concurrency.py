"""The monthly aggregates' marks never pass the ids of a write still under way in the county: an entry
that commits after a refresh (while other counties committed higher ids) is counted by the next one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from cunzhan.core.tests.threads import WAIT, held_open, in_thread, postgres_only
from cunzhan.ledgers import services
from cunzhan.ledgers.aggregates import refresh_counties, refresh_county
from cunzhan.ledgers.models import ProxyPurchase, StationMonth

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def record(user, station, amount: str):
    return services.entry_create(
        acting_user=user,
        kind="purchase",
        station=station,
        occurred_on=date(2025, 5, 6),
        product_name="复合肥",
        quantity=Decimal("1"),
        amount=Decimal(amount),
        platform="淘宝",
    )


def orders(station) -> int:
    row = StationMonth.objects.filter(station=station, month=date(2025, 5, 1)).first()
    return row.purchase_orders if row else 0


@pytest.mark.parametrize("refresh", [refresh_county, lambda code: refresh_counties([code, "360734"])])
def test_an_entry_committing_after_a_refresh_is_counted_by_the_next(world, refresh):
    record(world.keeper, world.station_keng, "1.00")
    record(world.other_keeper, world.station_xunwu, "1.00")
    refresh_counties(["610828", "360734"])
    assert orders(world.station_keng) == 1
    writer, release = held_open(lambda: record(world.keeper, world.station_keng, "2.00"))  # its id taken
    with connection.cursor() as cursor:  # other counties take many ids meanwhile: beyond the advance margin
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('ledgers_proxypurchase', 'id'), "
            "(SELECT max(id) FROM ledgers_proxypurchase) + 10000)"
        )
    record(world.other_keeper, world.station_xunwu, "4.00")
    refresh("610828")
    assert orders(world.station_keng) == 1  # the entry under way is not visible yet
    release.set()
    writer.join(WAIT)
    refresh("610828")
    assert orders(world.station_keng) == 2
    assert ProxyPurchase.objects.filter(station=world.station_keng).count() == 2


def test_a_correction_committing_after_a_refresh_is_counted_by_the_next(world):
    entry = record(world.keeper, world.station_keng, "1.00")
    record(world.other_keeper, world.station_xunwu, "1.00")
    refresh_counties(["610828", "360734"])
    # its operation log entry has its id once this returns
    writer, release = held_open(
        lambda: services.entry_update(
            acting_user=world.keeper, entry=entry, version=entry.version, occurred_on=date(2025, 6, 6)
        )
    )
    record(world.other_keeper, world.station_xunwu, "4.00")  # a newer log entry, committed first
    services.entry_create(  # something new in the county, so that this refresh recounts
        acting_user=world.keeper,
        kind="service",
        station=world.station_keng,
        occurred_on=date(2025, 5, 7),
        service_kind="payment",
        amount=Decimal("50.00"),
    )
    refresh_county("610828")
    assert orders(world.station_keng) == 1  # the correction under way is not visible yet
    release.set()
    writer.join(WAIT)
    refresh_county("610828")
    assert orders(world.station_keng) == 0  # May lost it
    june = StationMonth.objects.get(station=world.station_keng, month=date(2025, 6, 1))
    assert june.purchase_orders == 1


def test_a_refresh_lets_entries_of_its_county_go_on_while_it_recounts(world):
    record(world.keeper, world.station_keng, "1.00")
    refresher, finish = held_open(lambda: refresh_county("610828"))
    writer, outcome = in_thread(lambda: record(world.keeper, world.station_keng, "2.00"))
    writer.join(WAIT / 2)
    recorded_meanwhile = not writer.is_alive()  # it would wait for the refresh's commit if that kept a lock
    finish.set()
    refresher.join(WAIT)
    writer.join(WAIT)
    assert recorded_meanwhile
    assert "error" not in outcome
    refresh_county("610828")
    assert orders(world.station_keng) == 2
