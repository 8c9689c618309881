from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunzhan.accounts import services
from cunzhan.accounts.models import User
from cunzhan.core.roles import Role
from cunzhan.core.scoping import OutOfScope


def create(world, actor, **kwargs):
    defaults = {"username": "u1", "display_name": "测试", "password": "Good#pass1"}
    return services.user_create(acting_user=actor, **{**defaults, **kwargs})


def test_a_county_office_creates_a_keeper_bound_to_a_station_in_its_county(world):
    user = create(world, world.county, role=Role.KEEPER, station=world.station_dian)
    assert user.region_id == "610828102201" and user.must_change_password


def test_a_keeper_needs_a_station_and_a_supervisor_a_township(world):
    with pytest.raises(ValidationError, match="服务站"):
        create(world, world.county, role=Role.KEEPER)
    with pytest.raises(ValidationError, match="乡镇"):
        create(world, world.county, role=Role.SUPERVISOR, region=world.regions["610828"])


def test_a_county_office_cannot_create_accounts_outside_its_county(world):
    """Outside the scope is not found, as for every service (test_out_of_scope)."""
    with pytest.raises(OutOfScope, match="管辖范围"):
        create(world, world.county, role=Role.SUPERVISOR, region=world.regions["360734100"])
    with pytest.raises(OutOfScope, match="管辖范围"):
        create(world, world.county, role=Role.KEEPER, station=world.station_xunwu)
    assert not User.objects.filter(username="u1").exists()


def test_a_county_office_cannot_create_viewers_or_administrators(world):
    for role in (Role.VIEWER, Role.ADMIN):
        with pytest.raises(ValidationError, match="无权"):
            create(world, world.county, role=role, region=world.regions["6108"])


def test_only_managers_create_accounts(world):
    for persona in ("keeper", "supervisor", "operator", "city"):
        with pytest.raises(PermissionDenied):
            create(world, world.users[persona], role=Role.KEEPER, station=world.station_keng)


def test_usernames_are_unique_ignoring_case(world):
    with pytest.raises(ValidationError, match="已被使用"):
        create(world, world.county, username="KEEPER", role=Role.KEEPER, station=world.station_keng)


def test_a_manager_cannot_deactivate_themselves(world):
    with pytest.raises(ValidationError, match="自己"):
        services.user_update(acting_user=world.county, user=world.county, is_active=False)


def test_the_create_page_reports_problems_in_chinese(world, client):
    client.force_login(world.county)
    page = client.post(
        "/accounts/users/new/",
        {
            "username": "x1",
            "display_name": "某",
            "role": "supervisor",
            "region": "360734100",
            "password": "short",
        },
    ).content.decode()
    assert "不在您的辖区" in page
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "x1",
            "display_name": "某",
            "role": "supervisor",
            "region": "610828101",
            "password": "",
        },
    )
    assert response.status_code == 302
    from cunzhan.accounts.models import User

    assert User.objects.get(username="x1").region_id == "610828101"
