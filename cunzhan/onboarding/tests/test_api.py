"""The history import through the API: the same file the page takes, the same whole-file checks."""

from __future__ import annotations

from cunzhan.onboarding.tests.conftest import REPORTS, upload
from cunzhan.reports.models import Report


def test_the_county_office_imports_past_report_submissions_through_the_api(certified, client):
    client.force_login(certified.county)
    rows = [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"], ["JX-0002", "月报", "2025-03", "2025-04-08 09:00"]]
    answer = client.post("/api/v1/onboarding/reports", {"file": upload(REPORTS, rows)})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"kind": "reports", "rows": 2, "created": 2, "skipped": 0, "already_imported": False}
    assert Report.objects.filter(first_submitted_at__isnull=False).count() == 2
    again = client.post("/api/v1/onboarding/reports", {"file": upload(REPORTS, rows)})
    assert again.json()["already_imported"] is True and again.json()["created"] == 0
    bad = client.post("/api/v1/onboarding/reports", {"file": upload(REPORTS, [["XW-0001", "月报", "2025-03", "x"]])})
    assert bad.status_code == 422 and bad.json()["errors"]
    assert client.post("/api/v1/onboarding/everything", {"file": upload(REPORTS, rows)}).status_code == 422
    template = client.get("/api/v1/onboarding/reports/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_nobody_but_the_county_office_imports_history(certified, client):
    client.force_login(certified.keeper)
    rows = [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"]]
    answer = client.post("/api/v1/onboarding/reports", {"file": upload(REPORTS, rows)})
    assert answer.status_code == 403 and not Report.objects.exists()
