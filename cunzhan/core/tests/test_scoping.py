"""The role × endpoint matrix: every persona against every page and API endpoint.

Permission-denied is 403, out-of-scope objects 404, anonymous visitors are sent to the login
page (pages) or get 401 (API).
"""

from __future__ import annotations

import pytest

ALL = {
    "admin",
    "province",
    "city",
    "county",
    "other_county",
    "operator",
    "supervisor",
    "other_supervisor",
    "keeper",
    "other_keeper",
}
MANAGERS = {"admin", "county", "other_county"}
ACTORS = ALL - {"province", "city"}

# who may see 坑镇's village station JX-0001 and 坑镇 itself
SEES_KENG = {"admin", "province", "city", "county", "operator", "supervisor", "keeper"}
SEES_KENG_REGION = {"admin", "province", "city", "county", "operator", "supervisor"}
# who may register stations (the pages and the import)
REGISTRARS = {"admin", "county", "other_county", "operator"}

# (path, roles answered 200; the others get 403 if listed in FORBIDDEN_IS_403 else 404)
ENDPOINTS: list[tuple[str, set[str], str]] = [
    ("/", ALL, "page"),
    ("/stations/", ALL, "page"),
    ("/stations/JX-0001/", SEES_KENG, "object"),
    ("/stations/new/", REGISTRARS, "page"),
    ("/stations/import/", REGISTRARS, "page"),
    ("/stations/import/template.xlsx", REGISTRARS, "page"),
    ("/stations/export/register.xlsx", ALL, "page"),
    ("/stations/export/certified.json", ALL, "page"),
    ("/stations/export/certified.xlsx", ALL, "page"),
    ("/stations/zombies/", ALL, "page"),
    ("/stations/settings/", MANAGERS, "page"),
    ("/regions/", ALL, "page"),
    ("/regions/610828101/", SEES_KENG_REGION, "object"),
    ("/accounts/users/", MANAGERS, "page"),
    ("/accounts/users/new/", MANAGERS, "page"),
    ("/accounts/operations/", ACTORS, "page"),
    ("/accounts/logins/", MANAGERS, "page"),
    ("/accounts/tokens/", ALL, "page"),
    ("/accounts/password/", ALL, "page"),
    ("/api/v1/me", ALL, "page"),
    ("/api/v1/stations", ALL, "page"),
    ("/api/v1/stations/JX-0001", SEES_KENG, "object"),
    ("/api/v1/stations/JX-0001/norms", SEES_KENG, "object"),
    ("/api/v1/stations/JX-0001/events", SEES_KENG, "object"),
    ("/api/v1/stations/JX-0001/transitions", SEES_KENG, "object"),
    ("/api/v1/stations/JX-0001/exemptions", SEES_KENG, "object"),
    ("/api/v1/stations/JX-0001/assets", SEES_KENG, "object"),
    ("/api/v1/stations/JX-0001/faults", SEES_KENG, "object"),
    ("/api/v1/stations/zombies", ALL, "page"),
    ("/api/v1/stations/export/certified", ALL, "page"),
    ("/api/v1/regions", ALL, "page"),
    ("/api/v1/regions/610828101", SEES_KENG_REGION, "object"),
    ("/api/v1/regions/610828101/children", SEES_KENG_REGION, "object"),
    ("/api/v1/users", MANAGERS, "page"),
    ("/api/v1/audit/operations", ACTORS, "page"),
    ("/api/v1/audit/logins", MANAGERS, "page"),
    # reports, statistics, ad-hoc requests, upward export (cunzhan/reports)
    ("/reports/board/", ALL, "page"),
    ("/reports/statistics/", ALL, "page"),
    ("/reports/adhoc/", ALL, "page"),
    ("/reports/adhoc/new/", MANAGERS, "page"),
    ("/reports/upward/", MANAGERS, "page"),
    ("/reports/settings/", MANAGERS, "page"),
    ("/reports/JX-0001/", SEES_KENG, "object"),
    ("/reports/JX-0001/monthly/2025-01/", SEES_KENG, "object"),
    ("/api/v1/reports/status", ALL, "page"),
    ("/api/v1/reports/statistics", ALL, "page"),
    ("/api/v1/reports/stations/JX-0001/monthly/2025-01", SEES_KENG, "object"),
    ("/api/v1/reports/upward", MANAGERS, "page"),
    # trainings, activities, guidance (cunzhan/activities); inspections, complaints (cunzhan/supervision)
    ("/activities/", ALL, "page"),
    ("/activities/trainings/new/", {"county", "other_county", "operator"}, "page"),
    ("/activities/trainings/template.xlsx", ALL, "page"),
    ("/activities/people/", ALL, "page"),
    ("/activities/marketing/", ALL, "page"),
    ("/activities/marketing/new/", {"county", "other_county", "operator"}, "page"),
    ("/activities/guidance/", ALL, "page"),
    ("/activities/guidance/new/", {"admin", "operator"}, "page"),
    ("/supervision/", ALL, "page"),
    ("/supervision/inspections/new/", {"admin", "county", "other_county", "supervisor", "other_supervisor"}, "page"),
    ("/supervision/complaints/", ALL, "page"),
    (
        "/supervision/complaints/new/",
        {"admin", "county", "other_county", "operator", "supervisor", "other_supervisor"},
        "page",
    ),
    ("/supervision/events/", ALL, "page"),
    ("/supervision/events/new/", {"admin", "county", "other_county", "supervisor", "other_supervisor"}, "page"),
    ("/supervision/stations/JX-0001/", SEES_KENG, "object"),
    ("/api/v1/activities/trainings", ALL, "page"),
    ("/api/v1/activities/marketing", ALL, "page"),
    ("/api/v1/activities/guidance/status?year=2026", ALL, "page"),
    ("/api/v1/supervision/rating-items", ALL, "page"),
    ("/api/v1/supervision/inspections", ALL, "page"),
    ("/api/v1/supervision/complaints", ALL, "page"),
    ("/api/v1/supervision/events", ALL, "page"),
    # assessment (county-level pages; the subsidy grid needs a county account)
    ("/assessment/", ALL, "page"),
    ("/assessment/rectifications/", ALL, "page"),
    ("/assessment/schemes/", MANAGERS, "page"),
    ("/assessment/schemes/edit/", {"county", "other_county"}, "page"),  # a county's own scheme
    ("/assessment/subsidies/", {"county", "other_county"}, "page"),
    ("/api/v1/assessments", ALL, "page"),
    # station ledgers (cunzhan/ledgers); per-entry scoping is tested in cunzhan/ledgers/tests
    ("/ledgers/", ALL, "page"),
    ("/ledgers/purchase/", ALL, "page"),
    ("/ledgers/sale/?station=JX-0001&from=2025-01-01", ALL, "page"),
    ("/ledgers/parcel/backlog/", ALL, "page"),
    ("/ledgers/service/export/?fmt=csv", ALL, "page"),
    ("/ledgers/purchase/new/", {"admin", "operator", "keeper", "other_keeper"}, "page"),
    ("/ledgers/parcel/import/", {"admin", "county", "other_county", "operator", "keeper", "other_keeper"}, "page"),
    (
        "/ledgers/purchase/template.xlsx",
        {"admin", "county", "other_county", "operator", "keeper", "other_keeper"},
        "page",
    ),
    ("/api/v1/ledgers/purchase", ALL, "page"),
    ("/api/v1/ledgers/parcel?station=JX-0001", ALL, "page"),
    ("/api/v1/ledgers/parcel/backlog", ALL, "page"),
    ("/api/v1/ledgers/imports", ALL, "page"),
    ("/api/v1/ledgers/sale/export?fmt=csv", ALL, "page"),
    # dashboards (cunzhan/dashboards): every role has one, at its own scope
    ("/dashboards/", ALL, "page"),
    ("/dashboards/?county=610828&month=2026-01", ALL, "page"),
    ("/dashboards/charts/trend.json", ALL, "page"),
    ("/dashboards/charts/stations.xlsx?county=610828", ALL, "page"),
    ("/dashboards/charts/counties.json", ALL, "page"),
    ("/api/v1/dashboards/charts/townships", ALL, "page"),
]


@pytest.mark.parametrize("persona", sorted(ALL))
def test_every_role_against_every_endpoint(world, client, persona):
    client.force_login(world.users[persona])
    for path, allowed, kind in ENDPOINTS:
        response = client.get(path)
        expected = 200 if persona in allowed else (404 if kind == "object" else 403)
        assert response.status_code == expected, f"{persona} GET {path}: {response.status_code} != {expected}"


def test_anonymous_visitors_are_sent_to_login_or_refused(world, client):
    for path, _allowed, _kind in ENDPOINTS:
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


STATIONS_SEEN = {
    "admin": {"JX-0001", "JX-0002", "XW-0001"},
    "province": {"JX-0001", "JX-0002"},
    "city": {"JX-0001", "JX-0002"},
    "county": {"JX-0001", "JX-0002"},
    "other_county": {"XW-0001"},
    "operator": {"JX-0001", "JX-0002"},
    "supervisor": {"JX-0001"},
    "other_supervisor": {"JX-0002"},
    "keeper": {"JX-0001"},
    "other_keeper": {"XW-0001"},
}


@pytest.mark.parametrize("persona", sorted(ALL))
def test_each_role_sees_exactly_its_stations_in_api_and_page(world, client, persona):
    client.force_login(world.users[persona])
    api_codes = {s["code"] for s in client.get("/api/v1/stations").json()["items"]}
    assert api_codes == STATIONS_SEEN[persona]
    page = client.get("/stations/").content.decode()
    for code in {"JX-0001", "JX-0002", "XW-0001"}:
        assert (f">{code}<" in page) == (code in STATIONS_SEEN[persona]), (persona, code)


def rival_station(world):
    """JX-0099: a station of another operating unit in the operator's county."""
    from cunzhan.stations.models import OperatingUnit, Station, Status, Tier

    rival = OperatingUnit.objects.create(name="另一家运营公司", county=world.regions["610828"])
    return Station.objects.create(
        code="JX-0099",
        name="别家站",
        tier=Tier.VILLAGE,
        region=world.regions["610828101201"],
        county_code="610828",
        operating_unit=rival,
        status=Status.OPERATING,
    )


def test_operator_sees_only_its_own_units_stations_even_in_the_same_county(world, client):
    rival_station(world)
    client.force_login(world.operator)
    codes = {s["code"] for s in client.get("/api/v1/stations").json()["items"]}
    assert codes == {"JX-0001", "JX-0002"}
    assert client.get("/api/v1/stations/JX-0099").status_code == 404


# -- several operating units in one county (issue 20.2) -------------------------------------------
# A second unit of 佳县 with its own station and operator, in a fixture of its own so that the World's
# counts stay as the other tests read them.

UNIT2_CODE = "91610828MA70000B2U"


@pytest.fixture
def second_unit(world):
    """佳县第二运营公司, serving JX-0201 (in 坑镇's village, beside JX-0001), with its operator
    ``operator2``; one purchase recorded at each unit's station, by each unit's operator."""
    from datetime import date
    from decimal import Decimal

    from cunzhan.conftest import make_user
    from cunzhan.core.roles import Role
    from cunzhan.ledgers.services import entry_create
    from cunzhan.stations.models import Station, Status, Tier
    from cunzhan.stations.units import unit_create

    station = Station.objects.create(
        code="JX-0201",
        name="乙单位站",
        tier=Tier.VILLAGE,
        region=world.regions["610828101201"],
        county_code="610828",
        status=Status.OPERATING,
    )
    unit = unit_create(
        acting_user=world.county,
        county=world.regions["610828"],
        name="佳县第二运营公司",
        credit_code=UNIT2_CODE,
        stations=[station],
    )
    world.users["operator2"] = make_user(
        "operator2", Role.OPERATOR, region=world.regions["610828"], operating_unit=unit
    )
    for operator, where, product in (
        (world.operator, world.station_keng, "甲单位化肥"),
        (world.users["operator2"], Station.objects.get(pk=station.pk), "乙单位种子"),
    ):
        entry_create(
            acting_user=operator,
            kind="purchase",
            station=where,
            occurred_on=date(2025, 3, 1),
            product_name=product,
            quantity=Decimal(1),
            amount=Decimal("10.00"),
            platform="拼多多",
        )
    return unit


# what each of the two operators of 佳县 owns, and what the other one owns
OWN = {
    "operator": {"stations": {"JX-0001", "JX-0002"}, "unit": "佳县运营公司", "product": "甲单位化肥"},
    "operator2": {"stations": {"JX-0201"}, "unit": "佳县第二运营公司", "product": "乙单位种子"},
}


def _download(response) -> str:
    """An export's text: CSV or JSON as it is, a workbook's cells joined."""
    import io

    from python_calamine import CalamineWorkbook

    assert response.status_code == 200, response.status_code
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data[:2] == b"PK":
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        return "\n".join(" ".join(str(c) for c in row) for row in rows)
    return data.decode("utf-8-sig")


@pytest.mark.parametrize(("persona", "rival"), [("operator", "operator2"), ("operator2", "operator")])
def test_two_operators_of_one_county_each_see_only_their_own(world, second_unit, client, persona, rival):
    from cunzhan.stations.models import OperatingUnit

    own, other = OWN[persona], OWN[rival]
    client.force_login(world.users[persona])
    # pages
    listing = client.get("/stations/").content.decode()
    for code in own["stations"] | other["stations"]:
        assert (f">{code}<" in listing) == (code in own["stations"]), code
        assert client.get(f"/stations/{code}/").status_code == (200 if code in own["stations"] else 404), code
    ledger_page = client.get("/ledgers/purchase/").content.decode()
    assert own["product"] in ledger_page and other["product"] not in ledger_page
    # the API
    assert {s["code"] for s in client.get("/api/v1/stations").json()["items"]} == own["stations"]
    for code in other["stations"]:
        assert client.get(f"/api/v1/stations/{code}").status_code == 404
    products = {e["product_name"] for e in client.get("/api/v1/ledgers/purchase").json()["items"]}
    assert products == {own["product"]}
    # the exports: the station register, the certified stations, the ledger
    for path in (
        "/stations/export/register.xlsx",
        "/stations/export/certified.json",
        "/stations/export/certified.xlsx",
        "/api/v1/stations/export/certified",
        "/ledgers/purchase/export/?fmt=csv",
        "/ledgers/purchase/export/?fmt=xlsx",
        "/api/v1/ledgers/purchase/export?fmt=csv",
    ):
        text = _download(client.get(path))
        if "ledgers" in path:  # one purchase at one station of each unit
            assert own["product"] in text and other["product"] not in text, path
        else:
            assert all(code in text for code in own["stations"]), path
        assert not any(code in text for code in other["stations"]), path
    # the operating units: its own, never the other's
    mine, theirs = (OperatingUnit.objects.get(name=o["unit"]) for o in (own, other))
    assert [u["name"] for u in client.get("/api/v1/operating-units").json()["items"]] == [own["unit"]]
    assert client.get(f"/api/v1/operating-units/{mine.pk}").status_code == 200
    assert client.get(f"/api/v1/operating-units/{theirs.pk}").status_code == 404
    assert client.get(f"/operating-units/{mine.pk}/").status_code == 200
    assert client.get(f"/operating-units/{theirs.pk}/").status_code == 404
    units_page = client.get("/operating-units/").content.decode()
    assert own["unit"] in units_page and other["unit"] not in units_page


def test_the_county_office_sees_both_units_of_its_county(world, second_unit, client):
    client.force_login(world.county)
    codes = {s["code"] for s in client.get("/api/v1/stations").json()["items"]}
    assert codes == {"JX-0001", "JX-0002", "JX-0201"}
    names = {u["name"] for u in client.get("/api/v1/operating-units").json()["items"]}
    assert names == {"佳县运营公司", "佳县第二运营公司"}
    text = _download(client.get("/ledgers/purchase/export/?fmt=csv"))
    assert "甲单位化肥" in text and "乙单位种子" in text


@pytest.mark.parametrize("persona", sorted(ALL | {"operator2"}))
def test_every_role_against_the_operating_units_endpoints(world, second_unit, client, persona):
    """The register's pages and API: who sees a unit (佳县运营公司) and who may manage it."""
    sees_unit = {"admin", "province", "city", "county", "operator"}
    manages = {"admin", "county"}
    unit = world.unit.pk
    expected = {
        "/operating-units/": 200,
        "/operating-units/new/": 200 if persona in MANAGERS else 403,
        f"/operating-units/{unit}/": 200 if persona in sees_unit else 404,
        f"/operating-units/{unit}/edit/": 200 if persona in manages else (404 if persona in MANAGERS else 403),
        "/api/v1/operating-units": 200,
        f"/api/v1/operating-units/{unit}": 200 if persona in sees_unit else 404,
    }
    client.force_login(world.users[persona])
    for path, status in expected.items():
        assert client.get(path).status_code == status, f"{persona} GET {path}"
    client.logout()
    assert client.get("/api/v1/operating-units").status_code == 401
    assert "/accounts/login/" in client.get("/operating-units/")["Location"]


def test_users_list_is_limited_to_the_managers_county(world, client):
    client.force_login(world.county)
    names = {u["username"] for u in client.get("/api/v1/users?limit=100").json()["items"]}
    assert names == {"county", "operator", "supervisor", "other_supervisor", "keeper"}
    other = world.other_keeper.pk
    assert client.get(f"/accounts/users/{other}/").status_code == 404


@pytest.mark.parametrize("persona", sorted(ALL))
def test_the_in_memory_station_check_decides_as_the_query_does(world, persona):
    """Ledger entries check their station with ``covers_station`` (no query): for every role and every
    station, including another operating unit's in the same county, it must agree with the filter."""
    from cunzhan.accounts.models import User
    from cunzhan.core.roles import Role
    from cunzhan.stations.models import Station

    rival_station(world)
    user = User.objects.get(pk=world.users[persona].pk)
    visible = set(user.scope.filter(Station.objects.all()).values_list("pk", flat=True))
    stations = list(Station.objects.all())
    assert len(stations) >= 4 and visible  # every persona sees something, and not everything but the admin
    assert [s.code for s in stations if user.scope.covers_station(s)] == [s.code for s in stations if s.pk in visible]
    if user.scope.role in (Role.KEEPER, Role.OPERATOR):
        unbound = User(role=user.role, region=user.region, is_active=True)  # bound to no station / unit
        assert not any(unbound.scope.covers_station(s) for s in stations)
