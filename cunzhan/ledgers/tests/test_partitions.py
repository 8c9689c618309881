"""Monthly partitions of the ledgers on PostgreSQL, and the keys every database holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cunzhan.ledgers import partitions, services
from cunzhan.ledgers.models import ENTRY_MODELS, ProxyPurchase

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps plain tables")


def record(world, day: date) -> ProxyPurchase:
    return services.entry_create(
        acting_user=world.keeper,
        kind="purchase",
        station=world.station_keng,
        occurred_on=day,
        product_name="复合肥",
        quantity=Decimal("1"),
        amount=Decimal("10.00"),
        platform="淘宝",
    )


def home_of(entry) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {entry._meta.db_table} WHERE id = %s", [entry.pk])  # noqa: S608
        return cursor.fetchone()[0]


def unique_keys(model) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [c["columns"] for c in found.values() if c["unique"] and not c["primary_key"]]


@pytest.mark.parametrize("model", ENTRY_MODELS, ids=lambda m: m.__name__)
def test_every_unique_key_holds_the_county_and_the_month(model):
    keys = unique_keys(model)
    assert keys, "the row key is unique"
    for columns in keys:
        assert "county_code" in columns and "occurred_on" in columns, columns


@postgres_only
@pytest.mark.parametrize("table", partitions.TABLES)
def test_the_primary_key_holds_the_county_and_the_month(table):
    with connection.cursor() as cursor:
        assert partitions.is_partitioned(cursor, table)
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [table],
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, occurred_on, county_code)"


@postgres_only
def test_a_month_has_its_own_partition_and_an_entry_moves_with_its_date(world):
    entry = record(world, date(2025, 6, 30))
    assert home_of(entry) == "ledgers_proxypurchase_p202506"
    services.entry_update(acting_user=world.keeper, entry=entry, version=entry.version, occurred_on=date(2025, 7, 1))
    assert home_of(entry) == "ledgers_proxypurchase_p202507"
    assert ProxyPurchase.objects.get(pk=entry.pk).occurred_on == date(2025, 7, 1)


@postgres_only
def test_an_old_date_lands_in_the_default_partition_and_moves_when_its_month_is_created(world, capsys):
    entry = record(world, date(2019, 3, 15))
    neighbour = record(world, date(2019, 4, 1))
    assert home_of(entry) == home_of(neighbour) == "ledgers_proxypurchase_default"
    call_command("ledger_partitions", "--from", "2019-03", "--to", "2019-03")
    assert "ledgers_proxypurchase_p201903" in capsys.readouterr().out
    assert home_of(entry) == "ledgers_proxypurchase_p201903"
    assert home_of(neighbour) == "ledgers_proxypurchase_default"
    assert ProxyPurchase.objects.filter(occurred_on__year=2019).count() == 2
    assert partitions.ensure(date(2019, 3, 1), date(2019, 3, 1)) == []  # nothing left to create


def test_months_span_year_ends():
    assert partitions.months(date(2025, 11, 20), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert partitions.add_months(date(2025, 12, 1), 1) == date(2026, 1, 1)
    assert partitions.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


@postgres_only
def test_months_are_created_as_far_ahead_as_configured_and_no_further(settings):
    this_month = date(timezone.localdate().year, timezone.localdate().month, 1)
    with connection.cursor() as cursor:
        present = partitions.existing(cursor, "ledgers_parcel")
    ahead = settings.LEDGER_PARTITIONS_AHEAD
    assert partitions.partition_name("ledgers_parcel", partitions.add_months(this_month, ahead)) in present
    assert partitions.partition_name("ledgers_parcel", partitions.add_months(this_month, ahead + 1)) not in present
    settings.LEDGER_PARTITIONS_AHEAD = ahead + 1
    created = partitions.ensure()
    assert partitions.partition_name("ledgers_parcel", partitions.add_months(this_month, ahead + 1)) in created
