"""Public assets and fault reports: who may do what, and the timestamps the assessment reads."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunzhan.core.scoping import OutOfScope
from cunzhan.stations import selectors, services
from cunzhan.stations.models import AssetKind


@pytest.fixture
def computer(world):
    return services.asset_add(acting_user=world.operator, station=world.station_keng, kind=AssetKind.COMPUTER)


def test_the_background_wall_is_fixed_and_the_rest_movable(world):
    wall = services.asset_add(acting_user=world.county, station=world.station_keng, kind=AssetKind.BACKGROUND_WALL)
    router = services.asset_add(acting_user=world.county, station=world.station_keng, kind=AssetKind.ROUTER)
    assert (wall.movable, router.movable) == (False, True)


def test_keepers_and_supervisors_cannot_register_assets(world):
    for user in (world.keeper, world.supervisor, world.city):
        with pytest.raises(PermissionDenied):
            services.asset_add(acting_user=user, station=world.station_keng, kind=AssetKind.COMPUTER)


def test_a_keeper_reports_only_at_its_own_station(world, computer):
    fault = services.fault_report(
        acting_user=world.keeper, asset=computer, description="无法开机", stops_operation=True
    )
    computer.refresh_from_db()
    assert computer.condition == "faulty" and fault.reported_by == world.keeper and fault.is_open
    other = services.asset_add(acting_user=world.other_county, station=world.station_xunwu, kind=AssetKind.ROUTER)
    with pytest.raises(OutOfScope):
        services.fault_report(acting_user=world.keeper, asset=other, description="x")


def test_a_second_open_report_and_an_empty_description_are_refused(world, computer):
    with pytest.raises(ValidationError):
        services.fault_report(acting_user=world.keeper, asset=computer, description="  ")
    services.fault_report(acting_user=world.keeper, asset=computer, description="无法开机")
    with pytest.raises(ValidationError, match="未修复"):
        services.fault_report(acting_user=world.keeper, asset=computer, description="还是不行")


def test_a_fault_left_unrepaired_shows_how_long(world, computer):
    # reported nine days ago, when it happened: only the county office may give a past time (历史导入)
    with time_machine.travel(timezone.now() - timedelta(days=9)):
        fault = services.fault_report(acting_user=world.operator, asset=computer, description="坏了")
    reported = fault.reported_at
    assert selectors.open_fault_days(fault) == 9
    with pytest.raises(PermissionDenied):
        services.fault_repair(acting_user=world.keeper, fault=fault)
    with pytest.raises(ValidationError):
        services.fault_repair(acting_user=world.operator, fault=fault, repaired_at=reported - timedelta(hours=1))
    services.fault_repair(acting_user=world.operator, fault=fault, repair_note="更换硬盘")
    computer.refresh_from_db()
    assert computer.condition == "good" and not fault.is_open
    with pytest.raises(ValidationError):
        services.fault_repair(acting_user=world.operator, fault=fault)


def test_zombie_flag_uses_the_last_activity_or_the_certification(world):
    now = datetime(2026, 6, 1, tzinfo=timezone.get_current_timezone())
    keng, dian = world.station_keng, world.station_dian
    keng.last_activity_at = now - timedelta(days=90, seconds=1)
    keng.save()
    dian.last_activity_at = now - timedelta(days=89)
    dian.save()
    codes = {s.code for s in selectors.zombie_stations_for_user(world.county, now=now)}
    assert codes == {"JX-0001"}
    assert selectors.is_zombie(keng, now=now) and not selectors.is_zombie(dian, now=now)
    # no ledger yet: counted from the certification
    dian.last_activity_at, dian.certified_at = None, now - timedelta(days=100)
    dian.save()
    assert {s.code for s in selectors.zombie_stations_for_user(world.supervisor, now=now)} == {"JX-0001"}
    assert {s.code for s in selectors.zombie_stations_for_user(world.county, now=now)} == {"JX-0001", "JX-0002"}
