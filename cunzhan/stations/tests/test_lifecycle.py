"""Every lifecycle move, allowed and refused, through station_transition."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from cunzhan.core.roles import role_has
from cunzhan.core.scoping import OutOfScope
from cunzhan.stations import lifecycle, services
from cunzhan.stations.lifecycle import SHANGHAI, TRANSITIONS
from cunzhan.stations.models import AssetKind, CountySettings, StationEvent, Status
from cunzhan.stations.norms import NormRule

LONG_AGO = datetime(2024, 1, 1, 9, tzinfo=SHANGHAI)


def actor_for(world, permission):
    for persona in ("county", "operator"):
        user = world.users[persona]
        if role_has(user.role, permission):
            return user
    raise AssertionError(permission)


def station_at(make_station, source, **extra):
    return make_station(status=source, publicity_started_at=LONG_AGO, certified_at=LONG_AGO, **extra)


def arguments(move):
    return {
        "reason": "依规办理" if "reason" in move.requires else "",
        "agreement_no": "XY-2026-001" if "agreement_no" in move.requires else "",
    }


@pytest.mark.parametrize("move", TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
def test_every_move_is_made_by_a_role_that_holds_it_and_recorded(world, make_station, move):
    station = station_at(make_station, move.source)
    user = actor_for(world, move.permission)
    event = services.station_transition(acting_user=user, station=station, to=move.target, **arguments(move))
    station.refresh_from_db()
    assert station.status == move.target
    assert (event.from_status, event.to_status, event.actor) == (move.source, move.target, user)
    assert event.reason == arguments(move)["reason"]


@pytest.mark.parametrize("move", TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
def test_every_move_is_refused_to_a_role_without_it(world, make_station, move):
    station = station_at(make_station, move.source)
    refused = [p for p in ("supervisor", "operator", "county") if not role_has(world.users[p].role, move.permission)]
    for persona in refused:
        with pytest.raises(PermissionDenied, match=str(move.target.label)):
            services.station_transition(
                acting_user=world.users[persona], station=station, to=move.target, **arguments(move)
            )
    station.refresh_from_db()
    assert station.status == move.source


@pytest.mark.parametrize("move", [t for t in TRANSITIONS if t.requires], ids=lambda t: f"{t.source}->{t.target}")
def test_moves_with_required_fields_are_refused_without_them(world, make_station, move):
    station = station_at(make_station, move.source)
    with pytest.raises(ValidationError) as info:
        services.station_transition(acting_user=actor_for(world, move.permission), station=station, to=move.target)
    assert set(info.value.message_dict) == set(move.requires)


ILLEGAL = [
    (source, target)
    for source in Status.values
    for target in Status.values
    if lifecycle.transition_for(source, target) is None
]


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_move_not_in_the_table_is_refused_naming_both_states(world, make_station, source, target):
    station = station_at(make_station, source)
    with pytest.raises(ValidationError) as info:
        services.station_transition(
            acting_user=world.admin, station=station, to=target, reason="试试", agreement_no="X"
        )
    message = info.value.messages[0]
    assert f"当前为“{Status(source).label}”" in message and f"不能变为“{Status(target).label}”" in message
    assert StationEvent.objects.filter(station=station).count() == 0


def test_an_unknown_state_is_refused(world, make_station):
    with pytest.raises(ValidationError, match="不能变为“flying”"):
        services.station_transition(acting_user=world.county, station=make_station(), to="flying")


def test_applied_straight_to_certified_is_refused(world, make_station):
    station = make_station()
    with pytest.raises(ValidationError, match="当前为“申请”，不能变为“认定授牌”"):
        services.station_transition(acting_user=world.county, station=station, to=Status.CERTIFIED, agreement_no="X")


def test_a_station_out_of_scope_cannot_be_moved(world, make_station):
    station = make_station(status=Status.COUNTY_REVIEW)
    with pytest.raises(OutOfScope):
        services.station_transition(acting_user=world.other_county, station=station, to=Status.PUBLICITY)


def test_county_approval_needs_every_norm_to_pass_or_be_exempt(world, make_station):
    station = make_station(status=Status.COUNTY_REVIEW, usable_area=Decimal("9.99"))
    with pytest.raises(ValidationError, match="实际使用面积"):
        services.station_transition(acting_user=world.county, station=station, to=Status.PUBLICITY)
    services.exemption_grant(
        acting_user=world.county,
        station=station,
        rule=NormRule.AREA,
        basis="deep_poverty",
        reason="村部用房紧张",
    )
    services.station_transition(acting_user=world.county, station=station, to=Status.PUBLICITY)
    station.refresh_from_db()
    assert station.status == Status.PUBLICITY and station.publicity_started_at is not None


def test_certification_waits_for_the_publicity_days_in_shanghai_time(world, make_station):
    station = make_station(status=Status.COUNTY_REVIEW)
    # publicity starts 23:30 on 1 March in Shanghai (15:30 UTC): 7 days are 1–7 March
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI), tick=False):
        services.station_transition(acting_user=world.county, station=station, to=Status.PUBLICITY)
    with (
        time_machine.travel(datetime(2026, 3, 7, 23, 59, 59, tzinfo=SHANGHAI), tick=False),
        pytest.raises(ValidationError, match="7 天公示期到 2026-03-08 00:00 才结束"),
    ):
        services.station_transition(acting_user=world.county, station=station, to=Status.CERTIFIED, agreement_no="XY-1")
    with time_machine.travel(datetime(2026, 3, 8, 0, 0, tzinfo=SHANGHAI), tick=False):
        services.station_transition(acting_user=world.county, station=station, to=Status.CERTIFIED, agreement_no="XY-1")
    station.refresh_from_db()
    assert station.certified_at == datetime(2026, 3, 8, tzinfo=SHANGHAI)
    assert station.agreement_no == "XY-1" and str(station.agreement_start) == "2026-03-08"


def test_publicity_days_are_a_county_parameter(world, make_station):
    CountySettings.objects.create(county=world.regions["610828"], publicity_days=3)
    station = make_station(status=Status.PUBLICITY, publicity_started_at=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2026, 3, 4, 0, 0, tzinfo=SHANGHAI), tick=False):
        services.station_transition(acting_user=world.county, station=station, to=Status.CERTIFIED, agreement_no="X")


def test_incubation_ends_six_months_after_certification(world, make_station):
    station = make_station(status=Status.INCUBATION, certified_at=datetime(2025, 8, 31, 15, tzinfo=SHANGHAI))
    with (
        time_machine.travel(datetime(2026, 2, 27, 23, 59, tzinfo=SHANGHAI), tick=False),
        pytest.raises(ValidationError, match="6 个月培育期（自认定授牌起）到 2026-02-28 00:00 才结束"),
    ):
        services.station_transition(acting_user=world.county, station=station, to=Status.OPERATING)
    with time_machine.travel(datetime(2026, 2, 28, 0, 0, tzinfo=SHANGHAI), tick=False):
        services.station_transition(acting_user=world.county, station=station, to=Status.OPERATING)


def test_sending_back_clears_the_publicity_start(world, make_station):
    station = make_station(status=Status.PUBLICITY, publicity_started_at=LONG_AGO)
    services.station_transition(acting_user=world.county, station=station, to=Status.APPLIED, reason="群众异议属实")
    station.refresh_from_db()
    assert station.status == Status.APPLIED and station.publicity_started_at is None


@pytest.mark.parametrize("target", [Status.REVOKED, Status.CLOSED])
def test_revocation_ends_the_agreement_and_lists_movable_assets_for_return(world, make_station, target):
    station = make_station(status=Status.RECTIFYING, certified_at=LONG_AGO, agreement_no="XY-9")
    computer = services.asset_add(acting_user=world.county, station=station, kind=AssetKind.COMPUTER)
    router = services.asset_add(acting_user=world.county, station=station, kind=AssetKind.ROUTER)
    services.asset_add(acting_user=world.county, station=station, kind=AssetKind.BACKGROUND_WALL)
    scrapped = services.asset_add(acting_user=world.county, station=station, kind=AssetKind.DISPLAY)
    services.asset_set_condition(acting_user=world.county, asset=scrapped, condition="scrapped")
    with time_machine.travel(datetime(2026, 6, 30, 10, tzinfo=SHANGHAI), tick=False):
        event = services.station_transition(acting_user=world.county, station=station, to=target, reason="整改不合格")
    station.refresh_from_db()
    assert str(station.agreement_end) == "2026-06-30"
    assert {r.asset for r in station.asset_returns.all()} == {computer, router}
    assert event.data["asset_returns"] == 2
    item = station.asset_returns.get(asset=computer)
    services.asset_return_confirm(acting_user=world.operator, item=item, note="已入库")
    computer.refresh_from_db()
    assert computer.condition == "returned"
    with pytest.raises(ValidationError):
        services.asset_return_confirm(acting_user=world.operator, item=item)


def test_each_move_writes_exactly_one_event_in_the_same_transaction(world, make_station):
    station = make_station()
    for target, user in (
        (Status.PRELIMINARY_REVIEW, world.operator),
        (Status.COUNTY_REVIEW, world.operator),
        (Status.PUBLICITY, world.county),
    ):
        services.station_transition(acting_user=user, station=station, to=target)
    assert list(station.events.values_list("to_status", flat=True)) == [
        Status.PRELIMINARY_REVIEW,
        Status.COUNTY_REVIEW,
        Status.PUBLICITY,
    ]
    assert station.events.last().at - station.events.first().at < timedelta(minutes=1)
