"""Backup and restore round trip: counts and checksums of every table match."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cunzhan.core.backup import BackupError, fingerprint
from cunzhan.ledgers.models import Parcel
from cunzhan.ledgers.services import entry_create
from cunzhan.stations.models import Station


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_to_the_same_content(world, tmp_path):
    path = tmp_path / "cunzhan.backup"
    call_command("backup", str(path))
    before = fingerprint()
    assert before["stations_station"][0] == 3 and before["accounts_user"][0] == 10
    if connection.vendor == "postgresql":
        name = f"cz_restore_{uuid.uuid4().hex[:8]}"
        settings = connection.settings_dict
        admin = {
            "host": settings.get("HOST") or None,
            "port": settings.get("PORT") or None,
            "user": settings.get("USER") or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**admin) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            call_command("restore", str(path), database=name)
            assert fingerprint(database=name) == before
        finally:
            with psycopg.connect(**admin) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        Station.objects.filter(code="JX-0002").delete()
        assert fingerprint() != before
        call_command("restore", str(path), yes=True)
        assert fingerprint() == before


@pytest.mark.django_db
def test_restore_refuses_without_confirmation_or_a_file(tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x.backup"))
    with pytest.raises(CommandError, match="不存在"):
        call_command("restore", str(tmp_path / "missing.backup"), yes=True)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's pg_restore reports its own error")
def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bad = tmp_path / "bad.backup"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises((CommandError, BackupError)):
        call_command("restore", str(bad), yes=True)


@pytest.mark.django_db(transaction=True)
def test_the_fingerprint_notices_a_changed_value_and_reads_each_ledger_row_once(world):
    keeper = world.users["keeper"]
    entry_create(
        acting_user=keeper,
        kind="parcel",
        station=world.station_keng,
        direction="in",
        carrier="邮政",
        tracking_no="SF0000000001",
        arrived_at=timezone.now(),
    )
    before = fingerprint()
    # a partitioned table is read through its parent only, so each row counts once
    assert before["ledgers_parcel"][0] == Parcel.objects.count() == 1
    assert not [table for table in before if table.startswith("ledgers_parcel_")]

    Station.objects.filter(pk=world.station_keng.pk).update(name="改过的名字")
    after = fingerprint()
    assert after["stations_station"][0] == before["stations_station"][0]
    assert after["stations_station"][1] != before["stations_station"][1]
    assert {t: v for t, v in after.items() if t != "stations_station"} == {
        t: v for t, v in before.items() if t != "stations_station"
    }


# -- pgBackRest (issue 25): the commands' own checks; the backups and restores themselves run against the
# Patroni cluster in benchmarks/bench_failover.py, which the ordinary suite does not start


def test_a_pgbackrest_backup_needs_its_configuration(settings, tmp_path):
    settings.PGBACKREST_CONFIG = ""
    with pytest.raises(CommandError, match="PGBACKREST_CONFIG"):
        call_command("backup", pgbackrest=True)
    settings.PGBACKREST_CONFIG = str(tmp_path / "missing.conf")
    with pytest.raises(CommandError, match="不存在"):
        call_command("backup", pgbackrest=True, kind="full")


def test_a_point_in_time_restore_needs_a_time_and_an_empty_directory(settings, tmp_path):
    with pytest.raises(CommandError, match="备份文件"):
        call_command("restore")
    with pytest.raises(CommandError, match="--into"):
        call_command("restore", pgbackrest="2026-12-08 09:00:00+08:00")
    with pytest.raises(CommandError, match="无法识别"):
        call_command("restore", pgbackrest="昨天", into=str(tmp_path / "scratch"))
    settings.PGBACKREST_CONFIG = str(tmp_path / "pgbackrest.conf")
    (tmp_path / "pgbackrest.conf").write_text("[global]\n")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "PG_VERSION").write_text("15\n")
    with pytest.raises(CommandError, match="不是空目录"):
        call_command("restore", pgbackrest="2026-12-08 09:00:00+08:00", into=str(occupied))
