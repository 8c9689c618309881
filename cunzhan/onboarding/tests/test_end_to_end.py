"""A real county starts on CunZhan (issue 20, "Done when"), once through the command line and once through
the API: 佳县's office, in a database holding nothing but the regions (imported as an installation does)
and its administrator (``cunzhan createsuperuser``), gets its account from the administrator, registers
two operating units, imports 60 stations it already runs (48 certified in 2024, 12 in October 2025, so in
培育期), 40 accounts, and its H1 2025 report submissions and inspections with their real dates; then
``cunzhan assess`` (or the API's computation) assesses H1 2025 from exactly these records.

The keepers' accounts name their stations, so the accounts come after the stations. Weekly reports are
turned off for the county first: it brings its monthly ones only, and 26 weeks without a report would
make every station's item 6 nought and hide what the imported monthly times do to it.

The files are written with the product's own writer (``core.tabular.write_xlsx``) under the importers'
headers; what the assessment must find is planned beside them (which report late, which missed, each
inspection's ratings), and both doors must give the same results, station by station and item by item.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from stdnum.cn import uscc

from cunzhan.accounts import importers as account_importers
from cunzhan.accounts.models import User
from cunzhan.core.tabular import write_xlsx
from cunzhan.onboarding.models import ImportedRecord
from cunzhan.onboarding.tests.conftest import REPORTS, SH, inspection_header, inspection_row
from cunzhan.regions.models import Level, Region
from cunzhan.reports import services as report_services
from cunzhan.stations import importers as station_importers
from cunzhan.stations import units
from cunzhan.stations.models import Station, Status
from cunzhan.supervision.models import Inspection

TODAY = datetime(2026, 1, 10, 10, 0, tzinfo=SH)  # H1 2025 over, not published; October 2025 still 培育期
COUNTY = "610828"
ADMIN_PASSWORD = "Admin#first2026"
NEW_PASSWORD = "Jiaxian#own2026"
MONTHS = ("2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05")  # the monthly reports due in H1 2025
CERTIFIED_2024, CERTIFIED_2025_10 = 48, 12


@pytest.fixture(autouse=True)
def _in_january_2026():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def regions(db):
    """What a new installation has before any county starts: the regions, and its administrator."""
    call_command("import_regions", "--only", COUNTY, stdout=io.StringIO())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_SUPERUSER_PASSWORD", ADMIN_PASSWORD)
        call_command("createsuperuser", "--noinput", "--username", "admin", "--email", "", stdout=io.StringIO())
    assert not Station.objects.exists() and User.objects.count() == 1


# -- what the county brings, and what the assessment must make of it -----------------------------------


@dataclass
class Plan:
    """The county's files, and what each 2024 station's H1 2025 must show."""

    files: dict[str, bytes] = field(default_factory=dict)
    units: tuple[str, str] = ("佳县农村电商运营有限公司", "佳县供销电商服务有限公司")
    late: dict[str, int] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    items: dict[str, dict[int, Decimal]] = field(default_factory=dict)  # items 1–3 from the ratings
    incubating: list[str] = field(default_factory=list)  # certified October 2025
    keepers: int = 0  # of the 40 accounts

    @property
    def assessed(self) -> list[str]:
        return sorted(self.late)

    def item6(self, code: str) -> Decimal:
        return Decimal(10) - Decimal("0.5") * self.late[code] - 2 * self.missed[code]


def xlsx(header, rows) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows)
    return buffer.getvalue()


def the_countys_files() -> Plan:
    plan = Plan()
    townships = dict(Region.objects.filter(level=Level.TOWNSHIP, code__startswith=COUNTY).values_list("code", "name"))
    villages = list(Region.objects.filter(level=Level.VILLAGE, code__startswith=COUNTY).order_by("code")[:60])
    stations, reports, inspections = [], [], []
    for i, village in enumerate(villages):
        code = f"{COUNTY}-{i + 1:04d}"
        if i < CERTIFIED_2024:
            status, certified = "运营", date(2024, i % 6 + 1, 10)
            applied = date(2023, 12, 1) if i % 2 == 0 else ""  # without it: as of the certification date
        else:
            status, certified, applied = "培育期", date(2025, 10, i - CERTIFIED_2024 + 1), ""
            plan.incubating.append(code)
        values = dict(zip(station_importers.HEADERS, [""] * len(station_importers.HEADERS), strict=True))
        values.update(
            {
                "站点编码": code,
                "站点名称": f"{village.name}电商服务点",
                "层级": "村级服务点",
                "服务区域代码": village.code,
                "经营地址": f"{townships[village.code[:9]]}{village.name}村委会旁",
                "实际使用面积（㎡）": 30,
                "服务常住人口": 600 + 10 * i,
                "运营单位": plan.units[i % 2],
                "当前状态": status,
                "认定日期": certified.isoformat(),
                "申请日期": applied and applied.isoformat(),
                "合作平台": "邮乐购、淘宝",
                **dict.fromkeys(("宽带网络", "电脑/显示设备或移动终端", "货架", "展示柜", "快递收发设施"), "是"),
                "负责人姓名": f"站长{i + 1}",
                "负责人手机": f"139{i + 1:08d}",
                "岗前培训天数": 3,
                "本年度培训次数": 2,
            }
        )
        stations.append([values[h] for h in station_importers.HEADERS])
        if i < CERTIFIED_2024:
            reports += _monthly_reports(plan, code, i)
            inspections.append(_inspection(plan, code, i, inspector=f"ducha{village.code[6:9]}"))
    plan.files["stations"] = xlsx(station_importers.HEADERS, stations)
    plan.files["reports"] = xlsx(REPORTS, reports)
    plan.files["inspections"] = xlsx(inspection_header(), inspections)
    # 40 accounts: two operators per unit, a supervisor per township (13), keepers of the first stations
    plan.keepers = 40 - 4 - len(townships)
    accounts = [[f"yunying{n + 1}", f"运营专员{n + 1}", "", "运营单位", "", plan.units[n % 2], ""] for n in range(4)]
    accounts += [
        [f"ducha{t[6:9]}", f"{name}督查员", "", "镇村督查员", t, "", ""] for t, name in sorted(townships.items())
    ]
    accounts += [
        [f"zhanzhang{n + 1:02d}", f"站长{n + 1}", f"139{n + 1:08d}", "站长", "", "", f"{COUNTY}-{n + 1:04d}"]
        for n in range(plan.keepers)
    ]
    plan.files["accounts"] = xlsx(account_importers.HEADERS, accounts)
    plan.files["office"] = xlsx(account_importers.HEADERS, [["jiaxian", "佳县电商办", "", "县电商办", "", "", ""]])
    return plan


def _monthly_reports(plan: Plan, code: str, i: int) -> list[list[str]]:
    """Six monthly reports on the 3rd of the month after, but for the station's pattern: one or two late
    (after the 5th, inside the month), one left out (missed), or both."""
    times = {month: _following(month, 3) for month in MONTHS}
    pattern = i % 6
    if pattern in (1, 4):
        times["2025-03"] = "2025-04-09 16:00"
    if pattern == 2:
        times["2025-01"], times["2025-04"] = "2025-02-12 09:00", "2025-05-20 11:30"
    if pattern in (3, 4):
        del times["2025-05" if pattern == 4 else "2025-02"]
    plan.late[code] = {1: 1, 2: 2, 4: 1}.get(pattern, 0)
    plan.missed[code] = 1 if pattern in (3, 4) else 0
    return [[code, "月报", month, at] for month, at in times.items()]


def _following(month: str, day: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year}-{number:02d}-{day:02d} 10:00"


def _inspection(plan: Plan, code: str, i: int, *, inspector: str) -> list:
    """One inspection in June, rated at the maximum but for items 1–3, which vary by station."""
    facilities = Decimal(5 - i % 3)
    clean, tidy = Decimal("3") - Decimal("0.5") * (i % 2), Decimal(2 - (i % 4 == 1))
    policy, entrepreneurship = (
        Decimal("1.5") if i % 5 == 0 else Decimal(2),
        Decimal(1) if i % 3 == 0 else Decimal("1.5"),
    )
    plan.items[code] = {1: facilities, 2: clean + tidy, 3: policy + Decimal("1.5") + entrepreneurship}
    scores = {
        "item1_facilities": (str(facilities), "" if facilities == 5 else "门头灯箱损坏"),
        "item2_public_facilities": (str(clean), "" if clean == 3 else "地面有杂物"),
        "item2_goods_tidy": (str(tidy), "" if tidy == 2 else "包裹堆放在地"),
        "item3_policy_promotion": (str(policy), "" if policy == 2 else "活动海报过期"),
        "item3_entrepreneurship": (str(entrepreneurship), "" if entrepreneurship == Decimal("1.5") else "无创业指导"),
    }
    return inspection_row(code, inspector, at=f"2025-06-{10 + i % 15:02d} 10:30", scores=scores)


# -- the two doors --------------------------------------------------------------------------------------


def through_the_command_line(plan: Plan, tmp_path: Path) -> dict[str, dict]:
    """The onboarding on the command line; the H1 and H2 2025 assessments as ``cunzhan assess --json``
    prints them. Operating units and report settings have no command: the county office sets them on
    its pages, whose services are called here (the API test goes through their operations)."""
    files = {}
    for name, data in plan.files.items():
        files[name] = tmp_path / f"{name}.xlsx"
        files[name].write_bytes(data)

    out = run("import_accounts", files["office"], "--as", "admin", "--county", COUNTY)
    assert "已在佳县创建 1 个账号" in out and "jiaxian" in out
    office = User.objects.get(username="jiaxian")
    county = Region.objects.get(code=COUNTY)
    for n, name in enumerate(plan.units):
        units.unit_create(acting_user=office, county=county, name=name, credit_code=credit_code(n))
    report_services.report_settings_update(acting_user=office, county=county, weekly_enabled=False)

    out = run("import_stations", files["stations"], "--as", "jiaxian")
    assert "已导入 60 个服务站（负责人员 60 名）：60 个已认定的站点按历史导入直接进入其当前状态" in out
    out = run("import_accounts", files["accounts"], "--as", "jiaxian")
    assert "已在佳县创建 40 个账号，首次登录须修改密码。" in out
    assert len(re.findall(r"zhanzhang\d\d", out)) == plan.keepers  # each with a password, shown this once
    assert "报表报送：已导入" in run("import_history", "reports", files["reports"], "--as", "jiaxian")
    assert "实地察看：已导入 48 行" in run("import_history", "inspections", files["inspections"], "--as", "jiaxian")

    h1 = json.loads(run("assess", "--county", COUNTY, "--year", "2025", "--period", "H1", "--json", "--as", "jiaxian"))
    h2 = json.loads(run("assess", "--county", COUNTY, "--year", "2025", "--period", "H2", "--json", "--as", "jiaxian"))
    return {
        "H1": {row["station"]: _row(row["status"], row["items"].items(), row["total"]) for row in h1["stations"]},
        "H2": {row["station"]: _row(row["status"], row["items"].items(), row["total"]) for row in h2["stations"]},
    }


def through_the_api(plan: Plan) -> dict[str, dict]:
    """The same onboarding through /api/v1 with Bearer tokens, each made on the API 令牌 page by its
    account (tokens are made on the page only); the assessments computed and read through the API."""
    admin = Api(api_key("admin", ADMIN_PASSWORD))
    made = admin.post(
        "/users", json={"username": "jiaxian", "display_name": "佳县电商办", "role": "county_office", "region": COUNTY}
    )
    office = Api(api_key("jiaxian", made["initial_password"]))

    for n, name in enumerate(plan.units):
        office.post("/operating-units", json={"name": name, "credit_code": credit_code(n)})
    settings = office.get("/reports/settings")
    office.put("/reports/settings", json={**settings, "weekly_enabled": False})

    stations = office.post("/stations/import", file=("存量站点.xlsx", plan.files["stations"]))
    assert (stations["created"], stations["history"]) == (60, 60)
    accounts = office.post("/users/import", file=("账号.xlsx", plan.files["accounts"]))
    assert len(accounts["created"]) == 40 and all(a["initial_password"] for a in accounts["created"])
    reports = office.post("/onboarding/reports", file=("报表报送.xlsx", plan.files["reports"]))
    inspections = office.post("/onboarding/inspections", file=("实地察看.xlsx", plan.files["inspections"]))
    assert reports["rows"] == reports["created"] > 0 and inspections["created"] == 48

    results = {}
    for period in ("H1", "H2"):
        assessment = office.post("/assessments", json={"year": 2025, "period": period})
        rows = office.get(f"/assessments/{assessment['id']}/results")
        results[period] = {
            r["station"]: _row(r["status"], [(i["no"], i["score"]) for i in r["items"]], r["total"]) for r in rows
        }
    return results


def _row(status: str, items, total) -> dict:
    """A station's result in one shape for both doors: its status, item scores and total as Decimals (the
    items of an assessed station: ``assess`` prints none for another)."""
    return {
        "status": status,
        "items": {int(no): Decimal(str(score)) for no, score in items} if status == "assessed" else {},
        "total": None if total is None else Decimal(str(total)),
    }


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *(str(a) for a in args), stdout=out)
    return out.getvalue()


def credit_code(n: int) -> str:
    """A well-formed unified social credit code of a company registered in 佳县 (python-stdnum's check)."""
    body = f"91{COUNTY}MA7{n:06d}"
    return body + uscc.calc_check_digit(body)


def api_key(username: str, password: str) -> str:
    """Sign in on the pages (setting one's own password at first login) and make an API token there."""
    page = Client()
    assert page.post("/accounts/login/", {"username": username, "password": password}).status_code == 302
    changed = {"old_password": password, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    assert page.post("/accounts/password/", changed).status_code == 302
    answer = page.post("/accounts/tokens/", {"name": "县里的对接程序"}).content.decode()
    return re.search(r"<code[^>]*>(cz_[\w-]+)</code>", answer).group(1)


class Api:
    """/api/v1 as a program calls it: a Bearer token and no session."""

    def __init__(self, key: str):
        self.client, self.auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def _answer(self, answer, expected=(200, 201)):
        assert answer.status_code in expected, answer.content.decode()[:2000]
        return answer.json()

    def get(self, path: str):
        return self._answer(self.client.get(f"/api/v1{path}", **self.auth))

    def post(self, path: str, *, json=None, file=None):
        if file is not None:
            name, data = file
            upload = io.BytesIO(data)
            upload.name = name
            return self._answer(self.client.post(f"/api/v1{path}", {"file": upload}, **self.auth))
        return self._answer(self.client.post(f"/api/v1{path}", json, content_type="application/json", **self.auth))

    def put(self, path: str, *, json):
        return self._answer(self.client.put(f"/api/v1{path}", json, content_type="application/json", **self.auth))


# -- what both must find ---------------------------------------------------------------------------------


def check_the_assessment(plan: Plan, results: dict[str, dict]) -> None:
    h1, h2 = results["H1"], results["H2"]
    # certified after H1 ended: not part of H1 at all; in H2, less than six months certified: 培育期
    assert sorted(h1) == plan.assessed and not set(plan.incubating) & set(h1)
    assert {code: h2[code]["status"] for code in plan.incubating} == dict.fromkeys(plan.incubating, "incubation")
    for code in plan.assessed:
        result = h1[code]
        assert result["status"] == "assessed", (code, result)
        items = result["items"]
        assert items[6] == plan.item6(code), (code, plan.late[code], plan.missed[code])  # the imported times
        assert {no: items[no] for no in (1, 2, 3)} == plan.items[code], code  # the imported ratings
        assert result["total"] == sum(items.values())
    # the plan reaches every case: on time, one and two late, one missed, late and missed
    assert {plan.item6(code) for code in plan.assessed} == {
        Decimal(10),
        Decimal("9.5"),
        Decimal(9),
        Decimal(8),
        Decimal("7.5"),
    }
    assert len({tuple(plan.items[code].values()) for code in plan.assessed}) > 10


def check_what_was_brought() -> None:
    stations = Station.objects.filter(county_code=COUNTY)
    assert stations.filter(status=Status.OPERATING).count() == CERTIFIED_2024
    assert stations.filter(status=Status.INCUBATION).count() == CERTIFIED_2025_10
    assert stations.values("operating_unit").distinct().count() == 2
    assert User.objects.filter(region__code__startswith=COUNTY).count() == 41  # the office and its 40
    # each imported record marked 历史导入 with its file
    assert ImportedRecord.objects.filter(content_type__model="inspection").count() == Inspection.objects.count() == 48


# -- the tests ----------------------------------------------------------------------------------------------


def test_a_county_starts_through_the_command_line(regions, tmp_path):
    plan = the_countys_files()
    results = through_the_command_line(plan, tmp_path)
    check_what_was_brought()
    check_the_assessment(plan, results)


def test_a_county_starts_through_the_api_with_the_command_lines_results(regions, tmp_path):
    plan = the_countys_files()
    with transaction.atomic():  # the command line's run first, to compare with; then undone
        by_command = through_the_command_line(plan, tmp_path)
        transaction.set_rollback(True)
    assert not Station.objects.exists() and User.objects.count() == 1  # back to the regions and the admin
    results = through_the_api(plan)
    check_what_was_brought()
    check_the_assessment(plan, results)
    assert results == by_command  # station by station, item by item
