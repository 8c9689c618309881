"""County statistics: whole months from the monthly aggregates, other days from the ledgers — the
same figures either way, before and after corrections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cunzhan.ledgers import services as ledger_services
from cunzhan.reports import statistics
from cunzhan.reports.tests.conftest import parcel, purchase, sale, service

pytestmark = pytest.mark.django_db

SPANS = [
    (date(2025, 2, 1), date(2025, 2, 28)),  # one whole month
    (date(2025, 1, 1), date(2025, 12, 31)),  # a year
    (date(2025, 1, 15), date(2025, 3, 10)),  # half a month, a whole month, ten days
    (date(2025, 2, 3), date(2025, 2, 9)),  # a week
    (date(2025, 1, 31), date(2025, 2, 1)),  # across a month end, no whole month
    (date(2025, 2, 1), date(2025, 3, 10)),  # a whole month and ten days
]


def from_ledgers(user, start, end):
    result = {}
    statistics._from_ledgers(result, user, "610828", start, end)
    return result


def fill(world):
    day = date(2025, 1, 10)
    n = 0
    while day <= date(2025, 3, 20):
        for station in (world.station_keng, world.station_dian):
            n += 1
            purchase(station, day, amount=f"{n}.50")
            sale(station, day, amount=f"{n * 2}.00", farm=n % 3 != 0)
            if n % 2:
                parcel(station, day, "in" if n % 4 == 1 else "out")
                service(station, day)
        day += timedelta(days=3)


@pytest.mark.parametrize(("start", "end"), SPANS)
def test_figures_are_the_ledgers_whatever_the_span(world, start, end):
    fill(world)
    got = statistics.station_figures(world.county, "610828", start, end)
    assert got == from_ledgers(world.county, start, end)
    assert got, "the span holds rows"


def test_figures_follow_corrections_and_deletions(world):
    fill(world)
    entry = purchase(world.station_keng, date(2025, 2, 14), amount="1000.00")
    whole = (date(2025, 1, 1), date(2025, 3, 31))
    before = statistics.station_figures(world.county, "610828", *whole)  # aggregates built here
    ledger_services.entry_update(
        acting_user=world.keeper, entry=entry, version=entry.version, occurred_on=date(2025, 3, 2)
    )
    assert statistics.station_figures(world.county, "610828", *whole) == before  # moved within the span
    feb = (date(2025, 2, 1), date(2025, 2, 28))
    assert statistics.station_figures(world.county, "610828", *feb) == from_ledgers(world.county, *feb)
    ledger_services.entry_delete(acting_user=world.keeper, entry=entry)
    after = statistics.station_figures(world.county, "610828", *whole)
    keng = world.station_keng.pk
    assert after[keng].purchase_orders == before[keng].purchase_orders - 1
    assert after == from_ledgers(world.county, *whole)


def test_a_keeper_sees_only_the_own_station(world):
    fill(world)
    got = statistics.station_figures(world.keeper, "610828", date(2025, 1, 1), date(2025, 12, 31))
    assert set(got) == {world.station_keng.pk}
