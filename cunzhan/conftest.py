"""Personas shared by every test: one of each role, placed so that scoping can be seen.

佳县 (610828): 坑镇 (610828101) with village 610828101201, 店镇 (610828102) with its village.
寻乌县 (360734): 长宁镇 with a village. One station per township and village.
"""

from __future__ import annotations

import pytest

from cunzhan.accounts.models import User
from cunzhan.assessment.models import PublicationSettings
from cunzhan.core.roles import Role
from cunzhan.regions.models import Region, level_of, parent_code
from cunzhan.stations.models import OperatingUnit, Station, Status, Tier

PASSWORD = "Test#pass2026"  # noqa: S105

REGIONS = {
    "61": "陕西省",
    "6108": "榆林市",
    "610828": "佳县",
    "610828101": "坑镇",
    "610828101201": "高家坬村",
    "610828102": "店镇",
    "610828102201": "刘家坪村",
    "36": "江西省",
    "3607": "赣州市",
    "360734": "寻乌县",
    "360734100": "长宁镇",
    "360734100201": "城北村",
}


def make_regions() -> dict[str, Region]:
    regions = {}
    for code in sorted(REGIONS, key=len):
        regions[code], _ = Region.objects.get_or_create(
            code=code,
            defaults={"name": REGIONS[code], "level": level_of(code), "parent_id": parent_code(code)},
        )
    return regions


def make_user(username: str, role: Role, **binding) -> User:
    user = User(
        username=username,
        display_name=username,
        role=role,
        must_change_password=False,
        is_superuser=role == Role.ADMIN,
        is_staff=role == Role.ADMIN,
        **binding,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


class World:
    """The regions, stations and one persona per role and place."""

    def __init__(self) -> None:
        self.regions = r = make_regions()
        self.unit = OperatingUnit.objects.create(name="佳县运营公司", county=r["610828"])
        self.other_unit = OperatingUnit.objects.create(name="寻乌运营公司", county=r["360734"])
        # both counties published before the four-eyes rule (as assessment migration 0004 leaves such
        # counties): one clerk may compute and publish; tests of the rule turn it on. Each has the
        # supervision phone a 公示 must name (without one, publishing is refused)
        for county in ("610828", "360734"):
            PublicationSettings.objects.create(
                county=r[county], separate_reviewer=False, supervision_phone="0912-7212345"
            )

        def station(code, region, tier, unit):
            return Station.objects.create(
                code=code,
                name=f"{region.name}站",
                tier=tier,
                region=region,
                county_code=region.code[:6],
                operating_unit=unit,
                status=Status.OPERATING,
            )

        self.station_keng = station("JX-0001", r["610828101201"], Tier.VILLAGE, self.unit)
        self.station_dian = station("JX-0002", r["610828102201"], Tier.VILLAGE, self.unit)
        self.station_xunwu = station("XW-0001", r["360734100201"], Tier.VILLAGE, self.other_unit)
        self.users = {
            "admin": make_user("admin", Role.ADMIN),
            "province": make_user("province", Role.VIEWER, region=r["61"]),
            "city": make_user("city", Role.VIEWER, region=r["6108"]),
            "county": make_user("county", Role.COUNTY_OFFICE, region=r["610828"]),
            "other_county": make_user("other_county", Role.COUNTY_OFFICE, region=r["360734"]),
            "operator": make_user("operator", Role.OPERATOR, region=r["610828"], operating_unit=self.unit),
            "supervisor": make_user("supervisor", Role.SUPERVISOR, region=r["610828101"]),
            "other_supervisor": make_user("other_supervisor", Role.SUPERVISOR, region=r["610828102"]),
            "keeper": make_user("keeper", Role.KEEPER, region=r["610828101201"], station=self.station_keng),
            "other_keeper": make_user(
                "other_keeper", Role.KEEPER, region=r["360734100201"], station=self.station_xunwu
            ),
        }

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def login(client):
    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language: a request in English (a page test of the
    English interface) leaves English active in the thread, and a later test would read English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_log_guard():
    """Django empties the database after each transactional test with one TRUNCATE of every table, and
    PostgreSQL refuses TRUNCATE of the log tables (core migration 0003). The test database's superuser
    skips triggers for that one transaction (``session_replication_role``: only a superuser may set it)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def sql_flush_past_triggers(self, style, tables, **options):
        statements = sql_flush(self, style, tables, **options)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush_past_triggers)
        yield
