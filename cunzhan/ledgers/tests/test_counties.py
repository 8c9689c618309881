"""Ledgers read county by county: scopes of a county or wider by the rows' own county code, and users
over several counties (a province, an administrator) shown one county at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cunzhan.ledgers import selectors, services
from cunzhan.ledgers.models import ENTRY_MODELS, ProxyPurchase
from cunzhan.stations.models import Station

pytestmark = pytest.mark.django_db


@pytest.fixture
def purchases(world):
    """One purchase at each of the three stations: two in 佳县 (610828), one in 寻乌县 (360734)."""
    made = ((world.station_keng, "复合肥"), (world.station_dian, "种子"), (world.station_xunwu, "脐橙箱"))
    for station, product in made:
        services.entry_create(
            acting_user=world.admin,
            kind="purchase",
            station=station,
            occurred_on=date(2026, 3, 1),
            product_name=product,
            quantity=Decimal(1),
            amount=Decimal(10),
            platform="淘宝",
        )


def _body(response) -> str:
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_every_role_sees_the_ledger_rows_of_the_stations_in_its_scope(world, purchases):
    for name, user in world.users.items():
        stations = set(user.scope.filter(Station.objects.all()).values_list("pk", flat=True))
        for model in ENTRY_MODELS:
            seen = set(user.scope.filter(model.objects.all()).values_list("pk", flat=True))
            assert seen == set(model.objects.filter(station__in=stations).values_list("pk", flat=True)), name
    assert ProxyPurchase.objects.count() == 3


def test_an_administrator_reads_the_ledger_pages_one_county_at_a_time(world, client, purchases):
    client.force_login(world.admin)
    page = client.get("/ledgers/purchase/")
    html = page.content.decode()
    assert 'name="county"' in html and "寻乌县" in html and "佳县" in html
    # the first county (by code) unless another is chosen
    assert "脐橙箱" in _body(page) and "复合肥" not in _body(page)
    chosen = client.get("/ledgers/purchase/?county=610828")
    assert "复合肥" in _body(chosen) and "种子" in _body(chosen) and "脐橙箱" not in _body(chosen)
    assert "脐橙箱" in _body(client.get("/ledgers/purchase/?county=999999"))  # unknown: the first again
    # the export exports the county shown, and the tabs keep it
    assert 'name="county" value="610828"' in chosen.content.decode()
    assert "/ledgers/sale/?county=610828" in chosen.content.decode()
    exported = client.get("/ledgers/purchase/export/?fmt=csv&county=610828")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "复合肥" in text and "种子" in text and "脐橙箱" not in text
    # the ledgers home counts the county shown
    home = client.get("/ledgers/?county=610828").content.decode()
    assert "佳县" in home and '<div class="card-figure">2</div>' in home
    assert '<div class="card-figure">1</div>' in client.get("/ledgers/").content.decode()
    assert "/ledgers/purchase/?county=610828" in home


def test_a_user_within_one_county_gets_no_county_choice(world, client, purchases):
    for user in (world.county, world.province, world.keeper):
        client.force_login(user)
        page = client.get("/ledgers/purchase/?county=360734")  # another province's county: ignored
        assert page.status_code == 200 and 'name="county"' not in page.content.decode()
        assert "脐橙箱" not in _body(page) and "复合肥" in _body(page)
        assert 'name="county"' not in client.get("/ledgers/").content.decode()


def test_the_api_lists_one_county_when_asked_and_never_one_outside_the_scope(world, client, purchases):
    client.force_login(world.admin)
    assert client.get("/api/v1/ledgers/purchase").json()["count"] == 3
    listed = client.get("/api/v1/ledgers/purchase?county=610828").json()
    assert listed["count"] == 2 and {item["station"] for item in listed["items"]} == {"JX-0001", "JX-0002"}
    client.force_login(world.province)
    assert client.get("/api/v1/ledgers/purchase?county=360734").json()["count"] == 0
    assert client.get("/api/v1/ledgers/purchase?county=610828").json()["count"] == 2


def test_the_listing_counties_of_each_role(world):
    assert [c.code for c in selectors.listing_counties_for_user(world.admin)] == ["360734", "610828"]
    for user in (world.province, world.city, world.county, world.supervisor, world.keeper, world.operator):
        assert selectors.listing_counties_for_user(user) == []
