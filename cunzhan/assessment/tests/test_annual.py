from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunzhan.assessment import services
from cunzhan.assessment.tests.test_services import certify, inspect


@pytest.fixture(autouse=True)
def no_report_duties(monkeypatch):
    monkeypatch.setattr("cunzhan.assessment.evidence.report_lapses", lambda *args, **kwargs: {})


def publish(world, period):
    a = services.assessment_compute(acting_user=world.county, county=world.regions["610828"], year=2025, period=period)
    services.assessment_submit_review(acting_user=world.county, assessment=a)
    services.assessment_publish(acting_user=world.county, assessment=a)
    return a


def test_the_annual_composite_waits_for_both_halves_and_for_a_fresh_computation(world):
    for s in (world.station_keng, world.station_dian):
        certify(s)
        for half in ("H1", "H2"):
            inspect(s, world.supervisor, half=half)
    publish(world, "H1")
    annual = services.assessment_compute(
        acting_user=world.county, county=world.regions["610828"], year=2025, period="annual"
    )
    services.assessment_submit_review(acting_user=world.county, assessment=annual)
    with pytest.raises(ValidationError, match="H2"):
        services.assessment_publish(acting_user=world.county, assessment=annual)
    publish(world, "H2")
    with pytest.raises(ValidationError, match="重新计算"):
        services.assessment_publish(acting_user=world.county, assessment=annual)
    annual = services.assessment_compute(
        acting_user=world.county, county=world.regions["610828"], year=2025, period="annual"
    )
    services.assessment_submit_review(acting_user=world.county, assessment=annual)
    services.assessment_publish(acting_user=world.county, assessment=annual)
    assert annual.results.get(station__code="JX-0001").total is not None
