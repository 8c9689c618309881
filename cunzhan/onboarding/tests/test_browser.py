"""The county office brings its history in a real browser (the journeys' fixtures and checks of
cunzhan/dashboards/tests/test_browser.py: no console error, nothing the Content-Security-Policy refused)."""

from __future__ import annotations

import pytest

from cunzhan.dashboards.tests.test_browser import DESKTOP, browser, session  # noqa: F401  (fixtures)
from cunzhan.onboarding.tests.conftest import FAULTS, csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_county_office_imports_past_faults_and_finds_them_marked(world, session):  # noqa: F811
    s = session(DESKTOP)
    s.login(world.county)
    page = s.go("/")
    page.click("#mainnav a.nav-link:has-text('历史导入')")
    page.wait_for_selector("h1:has-text('历史数据导入')")
    card = page.locator(".card", has_text="设备报修")
    data = csv_bytes(FAULTS, [["JX-0001", "电脑", "无法开机", "是", "2025-03-02 09:00", "2025-03-05 16:00", "换电源"]])
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "报修.csv", "mimeType": "text/csv", "buffer": data}]
    )
    card.locator("button[type=submit]").click()
    page.wait_for_selector("text=设备报修：已导入 1 行")
    assert page.locator("td", has_text="报修.csv").count() == 1
    page = s.go("/stations/JX-0001/")
    badge = page.locator("span.badge", has_text="历史导入").first
    assert "county" in badge.get_attribute("title")
    assert s.problems == []
    s.keep("history-import")
