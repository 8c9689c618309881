"""History counts like any other record: H1 2025 reports and inspections imported for a county's stations
are what the assessment of H1 2025 finds (late reports counted, the ratings used)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cunzhan.assessment import services as assessment_services
from cunzhan.assessment.models import AssessmentResult
from cunzhan.onboarding.services import history_import
from cunzhan.onboarding.tests.conftest import REPORTS, SH, inspection_header, inspection_row, table
from cunzhan.reports.models import ReportSettings

MONTHS = ("2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05")  # due in H1 2025


def on_time(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year}-{number:02d}-03 10:00"


def test_imported_reports_and_inspections_make_the_h1_2025_assessment(certified):
    w = certified
    # weekly reports off: the stations here bring their monthly ones only
    ReportSettings.objects.create(county_id="610828", weekly_enabled=False)
    reports = [["JX-0001", "月报", month, on_time(month)] for month in MONTHS]
    reports += [["JX-0002", "月报", month, on_time(month)] for month in MONTHS[:4]]
    reports += [
        ["JX-0002", "月报", "2025-04", "2025-05-09 10:00"],  # after the 5th: late
        ["JX-0002", "月报", "2025-05", "2025-06-12 10:00"],  # late
    ]
    history_import(acting_user=w.county, kind="reports", source=table(REPORTS, reports))
    inspections = [
        inspection_row("JX-0001", "supervisor"),
        inspection_row(
            "JX-0002",
            "other_supervisor",
            scores={"item2_public_facilities": ("1.5", "地面脏乱"), "item10_services": ("6", "缴费服务少")},
        ),
    ]
    history_import(acting_user=w.county, kind="inspections", source=table(inspection_header(), inspections))

    assessment = assessment_services.assessment_compute(
        acting_user=w.county, county=w.regions["610828"], year=2025, period="H1", now=datetime(2025, 8, 1, tzinfo=SH)
    )
    results = {r.station.code: r for r in AssessmentResult.objects.filter(assessment=assessment)}
    keng, dian = results["JX-0001"], results["JX-0002"]
    assert (keng.facts["late_reports"], keng.facts["missed_reports"]) == (0, 0)
    assert (dian.facts["late_reports"], dian.facts["missed_reports"]) == (2, 0)
    item = {i["no"]: i for i in dian.items}
    assert Decimal(item[6]["score"]) == Decimal("9.00")  # 10 − 0.5 × 2 late reports
    assert Decimal(item[2]["score"]) == Decimal("3.50")  # the imported ratings: 1.5 + 2
    assert Decimal(item[10]["score"]) == Decimal("11.00")  # 6 + 5
    assert Decimal({i["no"]: i for i in keng.items}[6]["score"]) == Decimal("10.00")
    assert keng.status == dian.status == "assessed" and not dian.missing
