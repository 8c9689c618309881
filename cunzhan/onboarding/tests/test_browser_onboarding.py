"""A new county's onboarding through the pages, in a real browser at a desktop's 1366 px (the journeys'
fixtures and checks are cunzhan/dashboards/tests/test_browser.py's: no console error, nothing the
Content-Security-Policy refused, no request leaving the app): 佳县's office, whose account the
administrator has just made, signs in with its initial password and sets its own, then follows its setup
checklist — two operating units, a station file with stations already certified, an accounts file (the
initial passwords read once), the report settings — brings its H1 2025 report times and inspections on
the history page, and computes the H1 2025 assessment from them. A screenshot of each key step is kept
in test-artifacts/onboarding/.

The same onboarding at full size, through the commands and the API, is test_end_to_end.py; this one is
the pages' with a smaller county (four stations)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.management import call_command

from cunzhan.accounts import importers as account_importers
from cunzhan.accounts import services as account_services
from cunzhan.accounts.models import User
from cunzhan.core.dates import local_now
from cunzhan.core.roles import Role
from cunzhan.core.tabular import write_xlsx
from cunzhan.dashboards.tests.test_browser import browser, session  # noqa: F401  (fixtures)
from cunzhan.onboarding.tests.conftest import REPORTS, csv_bytes, inspection_header, inspection_row
from cunzhan.regions.models import Level, Region
from cunzhan.stations import importers as station_importers
from cunzhan.stations.models import OperatingUnit, Station, Status

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP_1366 = {"width": 1366, "height": 900}
NEW_PASSWORD = "Jiaxian#own2026"
UNITS = (("佳县农村电商运营有限公司", "91610828MA7000000A"), ("佳县供销电商服务有限公司", "91610828MA7000001D"))
MONTHS = ("2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05")  # due in H1 2025


@pytest.fixture
def office(db):
    """An installation with 佳县's regions, its administrator, and the county office's account the
    administrator has just made: its initial password, to be changed at first login."""
    call_command("import_regions", "--only", "610828", stdout=io.StringIO())
    admin = User.objects.create_superuser("admin", password="Admin#first2026")
    account = account_services.NewAccount(
        username="jiaxian",
        display_name="佳县电商办",
        role=Role.COUNTY_OFFICE,
        region=Region.objects.get(code="610828"),
        operating_unit=None,
        station=None,
        phone="",
    )
    ((_user, password),) = account_services.user_create_many(acting_user=admin, accounts=[account])
    return password


def stations_file(villages: list[Region]) -> bytes:
    """Three village points certified in 2024, in 运营, and one certified in October 2025 (in 培育期
    until April 2026)."""
    october = "培育期" if local_now().date() < date(2026, 4, 15) else "运营"
    rows = []
    for i, (village, status, certified) in enumerate(
        zip(
            villages,
            ["运营", "运营", "运营", october],
            ["2024-03-10", "2024-05-10", "2024-06-18", "2025-10-15"],
            strict=True,
        )
    ):
        values = dict.fromkeys(station_importers.HEADERS, "")
        values.update(
            {
                "站点编码": f"610828-{i + 1:04d}",
                "站点名称": f"{village.name}电商服务点",
                "层级": "村级服务点",
                "服务区域代码": village.code,
                "运营单位": UNITS[i % 2][0],
                "当前状态": status,
                "认定日期": certified,
                "服务常住人口": 800,
                "负责人姓名": f"站长{i + 1}",
            }
        )
        rows.append([values[h] for h in station_importers.HEADERS])
    buffer = io.BytesIO()
    write_xlsx(buffer, station_importers.HEADERS, rows)
    return buffer.getvalue()


def on_time(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year}-{number:02d}-03 10:00"


def upload(page, selector: str, name: str, data: bytes) -> None:
    mime = "text/csv" if name.endswith(".csv") else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.locator(selector).set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


def checklist_link(page, action: str) -> None:
    page.locator("section[aria-labelledby=setup-title] a", has_text=action).click()


def test_a_county_office_onboards_through_the_pages(office, session):  # noqa: F811
    initial_password = office
    villages = list(Region.objects.filter(level=Level.VILLAGE, code__startswith="610828101").order_by("code")[:4])
    codes = [f"610828-{i:04d}" for i in range(1, 5)]
    s = session(DESKTOP_1366)
    page = s.go("/accounts/login/")

    # first sign-in with the password the administrator handed over: its own password first
    page.fill("#id_username", "jiaxian")
    page.fill("#id_password", initial_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{s.base}/accounts/password/?next=/")
    page.fill("#id_old_password", initial_password)
    page.fill("#id_new_password", NEW_PASSWORD)
    page.fill("#id_new_password_again", NEW_PASSWORD)
    page.click("button:has-text('保存新密码')")
    page.wait_for_url(f"{s.base}/")
    assert page.locator("#setup-title").is_visible()
    s.keep("onboarding/1-checklist")

    # two operating units, from the checklist's link to the register
    checklist_link(page, "登记运营单位")
    page.wait_for_url(f"{s.base}/operating-units/")
    for name, credit_code in UNITS:
        page.click("a:has-text('登记运营单位')")
        page.fill("#id_name", name)
        page.fill("#id_credit_code", credit_code)
        page.fill("#id_agreement_start", "2024-01-01")
        page.click("button[type=submit]:has-text('保存')")
        page.wait_for_url(re.compile(r"/operating-units/\d+/$"))
        page = s.go("/operating-units/")
    assert page.locator("text=佳县供销电商服务有限公司").first.is_visible()
    s.keep("onboarding/2-operating-units")

    # the stations it runs already: three certified in 2024, one in October 2025
    page = s.go("/")
    checklist_link(page, "导入服务站")
    upload(page, "input[type=file]", "存量站点.xlsx", stations_file(villages))
    page.click("button[type=submit]:has-text('检查并导入')")
    page.wait_for_selector("text=4 个已认定的站点按历史导入直接进入其当前状态")
    s.keep("onboarding/3-stations")

    # accounts: an operator of each unit, the township's supervisor, two keepers; passwords shown once
    page = s.go("/")
    checklist_link(page, "批量创建账号")
    page.wait_for_url(f"{s.base}/accounts/users/import/")
    accounts = [
        ["yunying1", "运营专员甲", "", "运营单位", "", UNITS[0][0], ""],
        ["yunying2", "运营专员乙", "", "运营单位", "", UNITS[1][0], ""],
        ["ducha101", "坑镇督查员", "", "镇村督查员", "610828101", "", ""],
        ["zhanzhang1", "站长1", "", "站长", "", "", codes[0]],
        ["zhanzhang2", "站长2", "", "站长", "", "", codes[1]],
    ]
    upload(page, "input[type=file]", "账号.csv", csv_bytes(list(account_importers.HEADERS), accounts))
    page.click("button[type=submit]:has-text('检查并导入')")
    page.wait_for_selector("text=已创建 5 个账号")
    passwords = page.locator("table.initial-passwords code.slip-password").all_inner_texts()
    assert len(passwords) == 5 and all(len(p) >= 8 for p in passwords)
    s.keep("onboarding/4-accounts-passwords")

    # monthly reports only: weekly reports off
    page = s.go("/")
    checklist_link(page, "确认报送时限")
    page.uncheck("#id_weekly_enabled")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已保存")

    # the H1 2025 history: report times (one late) and an inspection of each 2024 station
    page = s.go("/")
    page.click("#mainnav a.nav-link:has-text('历史导入')")
    page.wait_for_selector("h1:has-text('历史数据导入')")
    reports = [[code, "月报", month, on_time(month)] for code in codes[:3] for month in MONTHS]
    reports[3][3] = "2025-04-09 16:00"  # 610828-0001's March report, after the 5th: late
    upload(page, ".card:has-text('报表报送') input[type=file]", "报表报送.csv", csv_bytes(REPORTS, reports))
    page.locator(".card:has-text('报表报送') button[type=submit]").click()
    page.wait_for_selector("text=报表报送：已导入 18 行")
    inspections = [inspection_row(code, "ducha101") for code in codes[:3]]
    upload(
        page, ".card:has-text('实地察看') input[type=file]", "实地察看.csv", csv_bytes(inspection_header(), inspections)
    )
    page.locator(".card:has-text('实地察看') button[type=submit]").click()
    page.wait_for_selector("text=实地察看：已导入 3 行")
    s.keep("onboarding/5-history")

    # the H1 2025 assessment, computed from what was brought
    page = s.go("/assessment/")
    page.fill("#id_year", "2025")
    page.select_option("#id_period", "H1")
    page.click("button:has-text('计算佳县考核')")
    page.wait_for_selector("text=已按当前数据计算考核结果")
    table = page.locator("table").first.inner_text()
    assert all(code in table for code in codes[:3]) and codes[3] not in table  # October 2025: not in H1
    assert "评分不完整" not in table and "培育期" not in table
    cells = page.locator("tr", has_text=codes[0]).locator("td").all_inner_texts()
    assert cells[2 + 5] == "9.50"  # item 6 (after rank and station): 10 − 0.5 for the late March report
    s.keep("onboarding/6-assessment-h1")

    # every step done: the checklist is gone
    page = s.go("/")
    assert page.locator("#setup-title").count() == 0
    assert OperatingUnit.objects.count() == 2 and Station.objects.filter(status=Status.OPERATING).count() >= 3
    assert not s.outside, f"requests left the app: {s.outside}"
