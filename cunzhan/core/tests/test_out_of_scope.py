"""Out of scope is not found, in every service (STYLE.md): handed a station or a county outside the
acting user's scope, a service refuses it as if it did not exist — OutOfScope, a 404 — the same
answer the pages and the API give for a row the user cannot see. One case per service that takes one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from cunzhan.activities import services as activities
from cunzhan.activities.models import GuidanceKind
from cunzhan.assessment import services as assessment
from cunzhan.assessment.engine import load_scheme
from cunzhan.assessment.scheme_services import scheme_adopt
from cunzhan.core.scoping import OutOfScope
from cunzhan.ledgers import services as ledgers
from cunzhan.reports import services as reports
from cunzhan.stations import services as stations
from cunzhan.stations.models import AssetKind, Status
from cunzhan.supervision import services as supervision

TZ = timezone.get_default_timezone()
WHEN = datetime(2026, 3, 10, 10, tzinfo=TZ)


def cases(w):
    """(name, call): each call is the user of 佳县 (or its station) acting on 寻乌县's."""
    xunwu, station = w.regions["360734"], w.station_xunwu
    return [
        ("stations.station_transition", lambda: stations.station_transition(
            acting_user=w.county, station=station, to=Status.RECTIFYING, reason="x")),
        ("stations.asset_add", lambda: stations.asset_add(
            acting_user=w.county, station=station, kind=AssetKind.ROUTER)),
        ("stations.county_settings_update", lambda: stations.county_settings_update(
            acting_user=w.county, county=xunwu)),
        ("ledgers.entry_create", lambda: ledgers.entry_create(
            acting_user=w.keeper, kind="service", station=station, occurred_on=date(2026, 3, 1),
            service_kind="payment", amount="1.00")),
        ("activities.training_create", lambda: activities.training_create(
            acting_user=w.county, county=xunwu, topic="x", start_date=date(2026, 3, 1), days=Decimal(1),
            required_stations=[])),
        ("activities.guidance_record", lambda: activities.guidance_record(
            acting_user=w.operator, station=station, kind=GuidanceKind.VISIT, visited_on=date(2026, 2, 3),
            content="x")),
        ("supervision.inspection_save", lambda: supervision.inspection_save(
            acting_user=w.county, station=station, year=2026, half="H1", inspected_at=WHEN, ratings={})),
        ("supervision.complaint_record", lambda: supervision.complaint_record(
            acting_user=w.county, station=station, kind="service", received_at=WHEN, description="x")),
        ("supervision.supervision_event_record", lambda: supervision.supervision_event_record(
            acting_user=w.county, station=station, kind="poor_performance", occurred_on=date(2026, 3, 1),
            description="x")),
        ("reports.report_settings_update", lambda: reports.report_settings_update(
            acting_user=w.county, county=xunwu)),
        ("reports.adhoc_request_create", lambda: reports.adhoc_request_create(
            acting_user=w.county, county=xunwu, title="x", due_at=WHEN, stations=[station])),
        ("reports.upward_prepare", lambda: reports.upward_prepare(
            acting_user=w.county, county=xunwu, kind="register")),
        ("assessment.assessment_compute", lambda: assessment.assessment_compute(
            acting_user=w.county, county=xunwu, year=2025, period="H1")),
        ("assessment.scheme_copy", lambda: assessment.scheme_copy(acting_user=w.county, county=xunwu)),
        ("assessment.scheme_adopt", lambda: scheme_adopt(
            acting_user=w.county, county=xunwu, data=load_scheme().raw, note="x")),
        ("assessment.subsidy_rules_set", lambda: assessment.subsidy_rules_set(
            acting_user=w.county, county=xunwu, amounts={})),
    ]  # fmt: skip


def test_every_service_refuses_what_is_outside_the_scope_as_not_found(world):
    wrong = []
    for name, call in cases(world):
        try:
            call()
        except OutOfScope as exc:
            assert "管辖范围" in str(exc), name
        except Exception as exc:  # reported below with the others
            wrong.append(f"{name}: {type(exc).__name__} {exc}")
        else:
            wrong.append(f"{name}: done")
    assert wrong == []


def test_the_api_answers_404_for_a_county_outside_the_scope(world, client):
    client.force_login(world.county)
    upward = client.post("/api/v1/reports/upward", {"county": "360734", "kind": "register"}, "application/json")
    assert upward.status_code == 404 and "管辖范围" in upward.json()["detail"]
    station = client.get("/api/v1/stations/XW-0001")
    assert station.status_code == 404 and "管辖范围" in station.json()["detail"]
