"""/api/v1/reports: an ad-hoc report submitted and corrected as on its page, and the county's reporting
parameters read and set."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.utils import timezone

from cunzhan.reports import services
from cunzhan.reports.models import ReportSettings
from cunzhan.reports.tests.conftest import at, purchase


def send(client, method, path, data=None):
    return getattr(client, method)(path, data or {}, content_type="application/json")


def adhoc_request(world, **fields):
    return services.adhoc_request_create(
        acting_user=world.county,
        county=world.regions["610828"],
        title="春耕物资需求统计",
        due_at=timezone.now() + timedelta(days=7),
        stations=[world.station_keng, world.station_dian],
        **fields,
    )


def test_a_keeper_finds_submits_and_corrects_its_ad_hoc_report(world, client):
    adhoc = adhoc_request(world)
    client.force_login(world.keeper)
    (mine,) = client.get("/api/v1/reports/adhoc/reports").json()  # its own station's only
    assert mine["station"] == "JX-0001" and mine["request_id"] == adhoc.pk and mine["title"] == "春耕物资需求统计"
    path = f"/api/v1/reports/adhoc/reports/{mine['id']}"
    draft = client.get(path).json()
    assert draft["kind"] == "adhoc" and draft["status"] == "due_open" and draft["revision"] == 0
    submitted = send(client, "post", path + "/submit", {"revision": 0, "text": "化肥 20 吨"})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["version"] == 1 and submitted.json()["document"]["text"] == "化肥 20 吨"
    stale = send(client, "post", path + "/submit", {"revision": 0, "text": "化肥 25 吨", "reason": "核实后更正"})
    assert stale.status_code == 409
    revision = client.get(path).json()["revision"]
    corrected = send(
        client, "post", path + "/submit", {"revision": revision, "text": "化肥 25 吨", "reason": "核实后更正"}
    )
    assert corrected.status_code == 200 and corrected.json()["version"] == 2


def test_an_ad_hoc_report_with_a_period_is_drafted_from_the_ledgers(world, client):
    purchase(world.station_keng, date(2025, 3, 2), amount="36.00")
    with time_machine.travel(at(2025, 3, 20, 9, 0), tick=False):
        adhoc_request(world, period_start=date(2025, 3, 1), period_end=date(2025, 3, 15))
        client.force_login(world.keeper)
        (mine,) = client.get("/api/v1/reports/adhoc/reports").json()
        document = client.get(f"/api/v1/reports/adhoc/reports/{mine['id']}").json()["document"]
    assert document["period_start"] == "2025-03-01"
    assert document["totals"]["purchase"] == {"count": 1, "amount": "36.00"}


def test_another_stations_ad_hoc_report_does_not_exist_for_a_keeper(world, client):
    adhoc = adhoc_request(world)
    other = adhoc.reports.get(station=world.station_dian)
    client.force_login(world.keeper)
    assert client.get(f"/api/v1/reports/adhoc/reports/{other.pk}").status_code == 404
    assert send(client, "post", f"/api/v1/reports/adhoc/reports/{other.pk}/submit", {"revision": 0}).status_code == 404
    client.force_login(world.county)  # sees it, but only a keeper submits
    assert client.get(f"/api/v1/reports/adhoc/reports/{other.pk}").status_code == 200
    assert send(client, "post", f"/api/v1/reports/adhoc/reports/{other.pk}/submit", {"revision": 0}).status_code == 403


SETTINGS = {
    "monthly_due_day": 8,
    "monthly_grace_months": 1,
    "weekly_enabled": False,
    "weekly_due_days": 2,
    "weekly_grace_days": 7,
    "adhoc_grace_days": 5,
}


def test_the_county_office_reads_and_sets_its_reporting_parameters(world, client):
    client.force_login(world.county)
    defaults = client.get("/api/v1/reports/settings").json()
    assert defaults["county"] == "610828" and defaults["monthly_due_day"] == 5 and defaults["weekly_enabled"]
    answer = send(client, "put", "/api/v1/reports/settings", SETTINGS)
    assert answer.status_code == 200 and answer.json() == {"county": "610828", **SETTINGS}
    assert ReportSettings.objects.get(county_id="610828").monthly_due_day == 8
    bad = send(client, "put", "/api/v1/reports/settings", {**SETTINGS, "monthly_due_day": 31})
    assert bad.status_code == 422 and "monthly_due_day" in bad.json()["errors"]
    assert ReportSettings.objects.get(county_id="610828").monthly_due_day == 8


def test_reporting_parameters_are_the_county_offices_own(world, client):
    client.force_login(world.county)
    assert send(client, "put", "/api/v1/reports/settings", {**SETTINGS, "county": "360734"}).status_code == 404
    for persona in ("keeper", "operator", "supervisor", "city"):
        client.force_login(world.users[persona])
        assert send(client, "put", "/api/v1/reports/settings", SETTINGS).status_code == 403, persona
    client.force_login(world.admin)
    assert send(client, "put", "/api/v1/reports/settings", SETTINGS).status_code == 422  # which county?
    assert send(client, "put", "/api/v1/reports/settings", {**SETTINGS, "county": "360734"}).status_code == 200
    assert not ReportSettings.objects.filter(county_id="610828").exists()
