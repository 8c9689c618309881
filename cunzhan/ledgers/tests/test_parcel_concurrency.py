"""Parcel entries at the same time (PostgreSQL): two entries of one parcel never both find its tracking
number free; entries of different parcels in one county do not wait for each other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhan.core.tests.threads import WAIT, held_open, in_thread, postgres_only
from cunzhan.ledgers import services
from cunzhan.ledgers.models import Parcel

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def parcel(user, station, tracking_no: str):
    return services.entry_create(
        acting_user=user,
        kind="parcel",
        station=station,
        direction="in",
        carrier="中通",
        tracking_no=tracking_no,
        arrived_at=timezone.now() - timedelta(hours=1),
    )


def test_the_second_entry_of_a_parcel_waits_for_the_first_and_is_refused(world):
    first, release = held_open(lambda: parcel(world.keeper, world.station_keng, "ZT9"))
    second, outcome = in_thread(lambda: parcel(world.operator, world.station_dian, "ZT9"))
    second.join(1)
    assert second.is_alive()  # waiting for the first entry's transaction
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert isinstance(outcome.get("error"), ValidationError)
    assert "tracking_no" in outcome["error"].message_dict
    assert Parcel.objects.filter(tracking_no="ZT9").count() == 1


def test_entries_of_different_parcels_in_a_county_do_not_wait_for_each_other(world):
    first, release = held_open(lambda: parcel(world.keeper, world.station_keng, "ZT1"))
    try:
        second, outcome = in_thread(lambda: parcel(world.operator, world.station_dian, "ZT2"))
        second.join(WAIT)
        assert not second.is_alive()
        assert outcome["value"].tracking_no == "ZT2"
    finally:
        release.set()
        first.join(WAIT)
    assert set(Parcel.objects.values_list("tracking_no", flat=True)) == {"ZT1", "ZT2"}
