from __future__ import annotations

import pytest
from django.core.management import call_command

from cunzhan.ledgers.models import ImportBatch, Parcel, ProxyPurchase
from cunzhan.ledgers.selectors import parcel_backlog_for_user
from cunzhan.stations.models import Station

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_plausible_year_of_ledgers_once(world, capsys):
    call_command("demo")  # its load time is in BENCHMARKS.md, not asserted here
    purchases = ProxyPurchase.objects.filter(station__is_demo=True).count()
    assert purchases > 1000
    assert ImportBatch.objects.filter(is_demo=True).count() == 4
    demo_station = Station.objects.filter(is_demo=True).exclude(last_activity_at=None).first()
    assert demo_station is not None
    assert Parcel.objects.filter(station__is_demo=True, handed_over_at__isnull=True).exists()
    assert parcel_backlog_for_user(world.admin).exists()
    call_command("demo")
    assert ProxyPurchase.objects.filter(station__is_demo=True).count() == purchases
    assert "台账：" in capsys.readouterr().out
