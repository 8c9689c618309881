"""Nobody but the county office back-dates anything: the services and the API take the real past times
of a county's history (a report's submission, a fault's report and repair, an activity report's filing,
another inspector's visit) from the county office and the administrator only; anyone else is refused in
Chinese with a 403, and nothing is saved."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunzhan.activities import services as activity_services
from cunzhan.activities.models import ActivityReport
from cunzhan.onboarding.tests.conftest import SH
from cunzhan.reports import services as report_services
from cunzhan.reports.models import Report, ReportSettings
from cunzhan.reports.status import monthly_period
from cunzhan.stations import assets
from cunzhan.stations.models import AssetKind, FaultReport
from cunzhan.supervision import services as supervision_services
from cunzhan.supervision.models import Inspection
from cunzhan.supervision.rating_items import RATING_ITEMS

PAST = datetime(2025, 4, 3, 10, 30, tzinfo=SH)
REFUSAL = "只能由县电商办补录历史数据（历史导入）时填写"


def march_report(station):
    period = monthly_period(ReportSettings.for_county(station.county_code), 2025, 3)
    return report_services.report_obtain(station=station, period=period)


@pytest.fixture
def computer(world):
    return assets.asset_add(acting_user=world.operator, station=world.station_keng, kind=AssetKind.COMPUTER)


# -- the services ------------------------------------------------------------------------------


def test_only_the_county_office_gives_a_report_its_past_submission_time(world):
    report = march_report(world.station_keng)
    with pytest.raises(PermissionDenied, match=f"提交时间{REFUSAL}"):
        report_services.report_submit(acting_user=world.keeper, report=report, revision=0, submitted_at=PAST)
    assert not Report.objects.get().is_submitted
    with pytest.raises(ValidationError, match="早于统计期结束"):
        report_services.report_submit(
            acting_user=world.county, report=report, revision=0, submitted_at=datetime(2025, 3, 31, 23, tzinfo=SH)
        )
    submitted = report_services.report_submit(acting_user=world.county, report=report, revision=0, submitted_at=PAST)
    assert submitted.first_submitted_at == PAST and submitted.first_submitted_by == world.county


def test_only_the_county_office_gives_a_fault_its_past_report_and_repair_times(world, computer):
    for persona in ("keeper", "operator", "supervisor"):
        with pytest.raises(PermissionDenied, match=f"报修时间{REFUSAL}"):
            assets.fault_report(acting_user=world.users[persona], asset=computer, description="坏了", reported_at=PAST)
    assert not FaultReport.objects.exists()
    fault = assets.fault_report(acting_user=world.county, asset=computer, description="坏了", reported_at=PAST)
    assert fault.reported_at == PAST and fault.reported_by is None  # transcribed, not reported by an account
    later = datetime(2025, 4, 5, 9, tzinfo=SH)
    with pytest.raises(PermissionDenied, match=f"修复时间{REFUSAL}"):
        assets.fault_repair(acting_user=world.operator, fault=fault, repaired_at=later)
    with pytest.raises(PermissionDenied):  # the county office repairs nothing now: it brings history
        assets.fault_repair(acting_user=world.county, fault=fault)
    assets.fault_repair(acting_user=world.county, fault=fault, repaired_at=later)
    fault.refresh_from_db()
    assert fault.repaired_at == later


def test_only_the_county_office_gives_an_activity_report_its_past_filing_time(world):
    activity = activity_services.activity_create(
        acting_user=world.county,
        county=world.regions["610828"],
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, 23, 59, tzinfo=SH),
        required_stations=[world.station_keng],
    )
    filed = datetime(2025, 1, 24, 18, tzinfo=SH)
    arguments = {"activity": activity, "station": world.station_keng, "orders": 3, "sales_amount": 10}
    for persona in ("keeper", "operator"):
        with pytest.raises(PermissionDenied, match=f"上报时间{REFUSAL}"):
            activity_services.activity_report_submit(acting_user=world.users[persona], submitted_at=filed, **arguments)
    report = activity_services.activity_report_submit(acting_user=world.county, submitted_at=filed, **arguments)
    assert report.submitted_at == filed
    with pytest.raises(ValidationError, match="上报时间不能再改"):
        activity_services.activity_report_submit(acting_user=world.county, submitted_at=filed, **arguments)
    assert ActivityReport.objects.get().submitted_at == filed


def test_only_the_county_office_records_an_inspection_made_by_another(world):
    arguments = {
        "station": world.station_keng,
        "year": 2025,
        "half": "H1",
        "inspected_at": datetime(2025, 6, 20, 10, tzinfo=SH),
        "ratings": {i.key: (i.max, "") for i in RATING_ITEMS},
    }
    with pytest.raises(PermissionDenied, match=f"察看人{REFUSAL}"):
        supervision_services.inspection_save(acting_user=world.supervisor, inspector=world.county, **arguments)
    with pytest.raises(ValidationError, match="须为负责服务站 JX-0001 的镇村督查员或本县电商办"):
        supervision_services.inspection_save(acting_user=world.county, inspector=world.other_supervisor, **arguments)
    inspection = supervision_services.inspection_save(acting_user=world.county, inspector=world.supervisor, **arguments)
    assert Inspection.objects.get().inspector == world.supervisor == inspection.inspector
    # and it is the supervisor's own from then on
    supervision_services.inspection_save(acting_user=world.supervisor, inspection=inspection, **arguments)


# -- the API -----------------------------------------------------------------------------------


def test_the_api_takes_a_fault_s_past_times_from_the_county_office_only(world, client, computer):
    url = f"/api/v1/stations/JX-0001/assets/{computer.pk}/faults"
    payload = {"description": "无法开机", "stops_operation": True, "reported_at": "2025-03-02T09:00:00+08:00"}
    for persona in ("keeper", "operator"):
        client.force_login(world.users[persona])
        answer = client.post(url, payload, content_type="application/json")
        assert answer.status_code == 403 and REFUSAL in answer.json()["detail"], persona
    assert not FaultReport.objects.exists()
    client.force_login(world.county)
    answer = client.post(url, payload, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["reported_at"].startswith("2025-03-02T")
    repair = f"/api/v1/stations/JX-0001/faults/{answer.json()['id']}/repair"
    early = client.post(repair, {"repaired_at": "2025-03-01T09:00:00+08:00"}, content_type="application/json")
    assert early.status_code == 422 and "修复时间须在报修时间之后" in early.json()["detail"]
    done = client.post(repair, {"repaired_at": "2025-03-05T16:00:00+08:00"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["repaired_at"].startswith("2025-03-05T")
    client.force_login(world.keeper)  # the keeper's own report, stamped now, as before
    computer.refresh_from_db()
    answer = client.post(url, {"description": "又坏了"}, content_type="application/json")
    assert answer.status_code == 201


def test_the_api_takes_a_report_s_past_submission_time_from_the_county_office_only(world, client):
    url = "/api/v1/reports/stations/JX-0001/monthly/2025-03/submit"
    payload = {"revision": 0, "submitted_at": "2025-04-08T09:00:00+08:00"}
    client.force_login(world.keeper)
    answer = client.post(url, payload, content_type="application/json")
    assert answer.status_code == 403 and f"提交时间{REFUSAL}" in answer.json()["detail"]
    assert not Report.objects.exists()  # refused before the report's row is made
    client.force_login(world.county)
    early = client.post(url, {**payload, "submitted_at": "2025-03-30T09:00:00+08:00"}, content_type="application/json")
    assert early.status_code == 422 and "早于统计期结束" in early.json()["detail"]
    assert not Report.objects.exists()
    answer = client.post(url, payload, content_type="application/json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "late" and answer.json()["first_submitted_at"].startswith("2025-04-08T")
    again = client.post(url, {**payload, "revision": answer.json()["revision"]}, content_type="application/json")
    assert again.status_code == 422 and "不能重复提交" in again.json()["detail"]
    without = client.post(url, {"revision": 0}, content_type="application/json")
    assert without.status_code == 403  # the county office does not submit a report now: the keeper does


def test_the_api_takes_another_inspector_from_the_county_office_only(world, client):
    payload = {
        "station": "JX-0001",
        "year": 2025,
        "half": "H1",
        "inspected_at": "2025-06-20T10:30:00+08:00",
        "ratings": {i.key: {"score": str(i.max)} for i in RATING_ITEMS},
        "inspector": "county",
    }
    client.force_login(world.supervisor)
    answer = client.post("/api/v1/supervision/inspections", payload, content_type="application/json")
    assert answer.status_code == 403 and f"察看人{REFUSAL}" in answer.json()["detail"]
    assert not Inspection.objects.exists()
    client.force_login(world.county)
    unknown = client.post(
        "/api/v1/supervision/inspections", {**payload, "inspector": "nobody"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and "察看人账号“nobody”不存在" in unknown.json()["detail"]
    answer = client.post(
        "/api/v1/supervision/inspections", {**payload, "inspector": "supervisor"}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["inspector_id"] == world.supervisor.pk


def test_the_api_documents_the_fields_of_history(client, world):
    client.force_login(world.county)
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for schema, field in (("FaultIn", "reported_at"), ("RepairIn", "repaired_at"), ("SubmitIn", "submitted_at")):
        assert "县电商办" in schemas[schema]["properties"][field]["description"], schema
    assert "县电商办" in schemas["InspectionIn"]["properties"]["inspector"]["description"]
