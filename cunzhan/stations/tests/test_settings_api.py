"""The API twins of the station pages' remaining actions: the county's station parameters,
withdrawing a norm exemption, confirming a returned asset — scoped like the pages."""

from __future__ import annotations

from datetime import datetime

from cunzhan.stations import services
from cunzhan.stations.lifecycle import SHANGHAI
from cunzhan.stations.models import AssetKind, NormRule, Status

LONG_AGO = datetime(2024, 1, 1, 10, tzinfo=SHANGHAI)


def test_the_county_reads_and_changes_its_station_parameters(world, client):
    client.force_login(world.county)
    before = client.get("/api/v1/stations/settings").json()
    assert before["county"] == "610828" and before["publicity_days"] == 7
    after = client.put("/api/v1/stations/settings", {"publicity_days": 10, "zombie_days": 60}, "application/json")
    assert after.status_code == 200 and (after.json()["publicity_days"], after.json()["zombie_days"]) == (10, 60)
    assert client.put("/api/v1/stations/settings", {"zombie_days": 0}, "application/json").status_code == 422
    assert client.get("/api/v1/stations/settings?county=360734").status_code == 404  # another county
    client.force_login(world.keeper)
    assert client.get("/api/v1/stations/settings").status_code == 403


def test_an_exemption_is_withdrawn_and_an_asset_return_confirmed_through_the_api(world, client, make_station):
    station = make_station(status=Status.COUNTY_REVIEW)
    exemption = services.exemption_grant(
        acting_user=world.county, station=station, rule=NormRule.AREA, basis="deep_poverty", reason="村部用房紧张"
    )
    client.force_login(world.county)
    url = f"/api/v1/stations/{station.code}/exemptions/{exemption.pk}/withdraw"
    answer = client.post(url)
    assert answer.status_code == 200 and answer.json()["withdrawn_at"]
    revoked = make_station("JX-0101", status=Status.RECTIFYING, certified_at=LONG_AGO, agreement_no="XY-9")
    services.asset_add(acting_user=world.county, station=revoked, kind=AssetKind.COMPUTER)
    services.station_transition(acting_user=world.county, station=revoked, to=Status.REVOKED, reason="整改不合格")
    item = revoked.asset_returns.get()
    client.force_login(world.operator)
    confirm = f"/api/v1/stations/{revoked.code}/asset-returns/{item.pk}/confirm"
    done = client.post(confirm, {"note": "已入库"}, "application/json")
    assert done.status_code == 200 and done.json()["returned_at"] and done.json()["note"] == "已入库"
    assert client.post(confirm, {}, "application/json").status_code == 422  # confirmed already
    client.force_login(world.other_county)
    assert client.post(confirm, {}, "application/json").status_code == 404
