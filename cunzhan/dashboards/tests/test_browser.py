"""End-to-end journeys in a real browser: Debian's Chromium driven by Playwright against the live server.

Every journey fails on an error in the browser's console or a script's uncaught error, and so on
anything the Content-Security-Policy refused (an inline script, handler or style).

Skipped (with the reason) where /usr/bin/chromium is missing, except in CI (``CI`` set), where a
missing browser fails the run: ``.ci/run`` installs it. The last page of each journey is kept as a
screenshot under ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from django.utils import timezone

from cunzhan.conftest import PASSWORD
from cunzhan.stations.models import Station
from cunzhan.supervision.models import Inspection, InspectionRating
from cunzhan.supervision.rating_items import RATING_ITEMS

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.django_db(transaction=True)

# The browser asks for the charts in parallel. On SQLite the live server's threads share the test's
# in-memory connection, and interleaved transactions on one connection break; one request at a time
# (this module is the only user of the live server) keeps the journeys deterministic on both databases.


class SerialWSGIServer(WSGIServer):
    """The live server without a thread per request (and so without keep-alive)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        # created in the server's thread: it uses the test's connections, as the threaded one does
        for alias, conn in (connections_override or {}).items():
            connections[alias] = conn


LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI: /usr/bin/chromium is missing (apt-get install chromium); the browser journeys must run")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium) — browser journeys skipped")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls made by the test
    # itself (preparing data) are plain synchronous code all the same.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# Chromium writes what the policy refused to the console; the page's own event is written there too,
# naming the directive and the script or page at fault
REPORT_REFUSALS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP refused ${e.blockedURI || "inline"} (${e.effectiveDirective}) in ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Session:
    """One browser context (a fresh visitor) that records any request leaving the app, and every error
    in the console or uncaught in a script (``problems``), with the page it happened on."""

    def __init__(self, browser, live_server, viewport):
        self.base = live_server.url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(REPORT_REFUSALS)
        self.outside: list[str] = []
        self.problems: list[str] = []
        host = urlparse(self.base).netloc
        self.context.on(
            "request",
            lambda r: None if urlparse(r.url).netloc in (host, "") else self.outside.append(r.url),
        )
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"{self.page.url}: {e}"))

    def _console(self, message) -> None:
        if message.type == "error":  # a resource that failed to load is named by the location
            self.problems.append(f"{self.page.url}: {message.text} ({message.location.get('url')})")

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response.headers.get("content-security-policy"), f"{path} is sent no Content-Security-Policy"
        return self.page

    def login(self, user, password: str = PASSWORD) -> None:
        page = self.go("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(self.base + "/")

    def charts_drawn(self) -> None:
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[data-chart]')).every(e => e.dataset.rendered === '1')"
        )

    def hover_charts(self) -> None:
        """The mouse over each chart, which draws its tooltip (inside the chart: ECharts' HTML tooltips
        carry style attributes, which the policy refuses)."""
        for chart in self.page.locator(".dash-chart svg").all():
            box = chart.bounding_box()
            self.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.6)
            self.page.wait_for_timeout(100)  # the tooltip follows the mouse after a moment

    def keep(self, name: str) -> None:
        path = ARTIFACTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser, live_server):
    opened: list[Session] = []

    def _open(viewport=PHONE) -> Session:
        s = Session(browser, live_server, viewport)
        opened.append(s)
        return s

    yield _open
    problems = [problem for s in opened for problem in s.problems]
    for s in opened:
        s.close()
    assert problems == [], "the browser's console reported errors"


def _certified(world) -> None:
    Station.objects.filter(pk__in=[world.station_keng.pk, world.station_dian.pk]).update(
        certified_at=datetime(2023, 6, 1, 10, tzinfo=timezone.get_default_timezone()), resident_population=800
    )


def test_the_county_home_draws_every_chart_offline_and_each_table_downloads(world, session):
    for viewport, name in ((PHONE, "county-home-phone"), (DESKTOP, "county-home-desktop")):
        s = session(viewport)
        s.login(world.county)
        s.charts_drawn()
        page = s.page
        assert page.locator("text=网络代购").first.is_visible()
        assert page.locator(".dash-chart svg").count() >= 4  # the empty grade chart says so instead
        months = page.locator(".dash-chart svg").first
        drawn = months.text_content()
        s.hover_charts()
        months.hover()
        page.wait_for_function(
            "([chart, drawn]) => chart.textContent.length > drawn.length", arg=[months.element_handle(), drawn]
        )
        if viewport is DESKTOP:
            links = page.locator("[data-download]")
            assert links.count() == 6
            for i in range(links.count()):
                with page.expect_download() as download:
                    links.nth(i).click()
                assert download.value.suggested_filename.endswith(".xlsx")
        assert not s.outside, f"requests left the app: {s.outside}"
        s.keep(name)


def test_a_keeper_records_a_purchase_on_a_phone(world, session):
    s = session(PHONE)
    s.login(world.keeper)
    page = s.page
    s.charts_drawn()
    assert page.locator("[data-testid=due]").is_visible()
    page.click("text=记一笔代购")
    page.wait_for_selector("form.ledger-entry")
    if not page.input_value("#id_occurred_on"):
        page.fill("#id_occurred_on", timezone.localdate().isoformat())
    page.fill("#id_product_name", "浏览器测试化肥")
    page.fill("#id_quantity", "2")
    page.fill("#id_amount", "88.50")
    page.fill("#id_platform", "拼多多")
    page.click("form.ledger-entry button[type=submit]:not([name])")
    page.wait_for_url(f"{s.base}/ledgers/purchase/")
    assert page.locator("text=浏览器测试化肥").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert not s.outside
    s.keep("journey-1-keeper-purchase")

    # deleting asks first (app.js, data-confirm): declined, the row stays; confirmed, it goes
    row = page.locator("tr", has_text="浏览器测试化肥")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    row.locator("button:has-text('删除')").click()
    assert questions == ["确定删除这条记录？"] and row.count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        row.locator("button:has-text('删除')").click()
    assert page.locator("tr", has_text="浏览器测试化肥").count() == 0


def test_a_supervisor_inspects_a_station_on_a_phone(world, session):
    s = session(PHONE)
    s.login(world.supervisor)
    page = s.go(f"/supervision/inspections/new/?station={world.station_keng.code}")
    scores = page.locator("input[name^=score_]")
    for i in range(scores.count()):  # full marks: a deduction would need a written reason
        scores.nth(i).fill(scores.nth(i).get_attribute("max"))
    page.fill("#id_note", "浏览器测试：卫生良好")
    page.click("button[type=submit]:has-text('保存')")
    page.wait_for_url(f"{s.base}/supervision/inspections/*/")
    assert page.locator(f"text={world.station_keng.name}").first.is_visible()
    assert Inspection.objects.filter(station=world.station_keng, inspector=world.supervisor).exists()
    s.keep("journey-2-supervisor-inspection")


def _inspected(world) -> None:
    """Both of 佳县's stations certified and inspected in 2025 H1, with full marks: ready to assess."""
    _certified(world)
    for station, inspector in ((world.station_keng, world.supervisor), (world.station_dian, world.other_supervisor)):
        inspection = Inspection.objects.create(
            station=station,
            year=2025,
            half="H1",
            inspector=inspector,
            inspected_at=datetime(2025, 6, 20, 10, tzinfo=timezone.get_default_timezone()),
        )
        InspectionRating.objects.bulk_create(
            InspectionRating(inspection=inspection, key=item.key, score=item.max) for item in RATING_ITEMS
        )


def test_the_county_office_assesses_publishes_and_the_public_sees_it(world, session):
    _inspected(world)
    s = session(DESKTOP)
    s.login(world.county)
    page = s.go("/assessment/")
    page.fill("#id_year", "2025")
    page.select_option("#id_period", "H1")
    page.click("button:has-text('计算')")
    page.wait_for_url(f"{s.base}/assessment/*/")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("a:has-text('发布')")
    page.click("a:has-text('发布')")
    page.wait_for_selector("text=发布后，以下内容将在公示页面向公众公开")  # what becomes public, first
    page.click("button:has-text('确认发布')")
    page.wait_for_selector("text=考核结果已发布")
    s.keep("journey-3-county-publishes")

    # (4) anyone, not logged in, on a phone: the published ranking
    visitor = session(PHONE)
    page = visitor.go("/public/assessments/")
    page.click("text=佳县")
    page.wait_for_selector(f"text={world.station_keng.name}")
    assert page.locator(f"text={world.station_dian.name}").first.is_visible()
    assert not visitor.outside
    visitor.keep("journey-4-public-ranking")


# -- the pages under the Content-Security-Policy ------------------------------------------------------

# the demo's accounts whose pages are opened: a county office, an operating unit, a supervisor, a
# keeper, the province's viewer (cunzhan/core/tests/test_crawl.py crawls them all)
POLICY_USERS = ["jiaxian", "jiaxian_yunying", "ducha_kengzhen", "zhanzhang1", "shaanxi"]
# stubbed in the page so that a print view's call is seen and no dialog opens
COUNT_PRINTS = "window.print = () => { window.printed = (window.printed || 0) + 1; };"


# on a phone these roles' pages must fit: a table scrolled sideways hides its amounts and actions
PHONE_USERS = {"ducha_kengzhen", "zhanzhang1"}
# a table (or the page) wider than the screen
WIDE = (
    "Array.from(document.querySelectorAll('table')).filter(t => t.getBoundingClientRect().width > 0 "
    "&& t.getBoundingClientRect().right > window.innerWidth + 1).length "
    "+ (document.documentElement.scrollWidth > window.innerWidth + 1 ? 1 : 0)"
)
# the visible form controls no label names (a <label>, aria-label, aria-labelledby or a title)
UNLABELLED = (
    "Array.from(document.querySelectorAll('input, select, textarea')).filter(e => "
    "!['hidden', 'submit', 'button', 'reset'].includes(e.type) && e.offsetParent !== null "
    "&& !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') "
    "&& !e.title).map(e => e.name || e.id)"
)


def test_the_demo_pages_of_each_role_work_under_the_content_security_policy(session, client):
    from django.core.management import call_command

    from cunzhan.accounts.demo import DEMO_PASSWORD
    from cunzhan.accounts.models import User
    from cunzhan.core.tests.test_crawl import crawl

    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    opened = 0
    for username in POLICY_USERS:
        user = User.objects.get(username=username)
        client.force_login(user)
        # one page of each shape the role reaches by links: what the browser opens
        paths = [path for path, status in crawl(client, same_shape=1).items() if status == 200]
        s = session(DESKTOP)
        s.login(user, DEMO_PASSWORD)
        phone = None
        if username in PHONE_USERS:
            phone = session(PHONE)
            phone.login(user, DEMO_PASSWORD)
        unlabelled, wide = {}, []
        for path in paths:
            s.go(path)
            if s.page.locator("[data-chart]").count():
                s.charts_drawn()
                s.hover_charts()
            if names := s.page.evaluate(UNLABELLED):
                unlabelled[path] = names
            s.keep(f"pages/{username}-1366{_shot(path)}")
            if phone is not None:
                phone.go(path)
                if phone.page.evaluate(WIDE):
                    wide.append(path)
                phone.keep(f"pages/{username}-360{_shot(path)}")
            opened += 1
        assert s.problems == [], username
        assert not s.outside, f"requests left the app: {s.outside}"
        assert unlabelled == {}, f"{username}: form controls without a label"
        assert wide == [], f"{username}: pages wider than a phone at 360 px"
    client.logout()  # the public: the published rankings and the station directory
    visitor = session(PHONE)
    for start in ("/public/assessments/", "/directory/"):
        for path, status in crawl(client, start, same_shape=1).items():
            if status == 200:
                visitor.go(path)
                opened += 1
    assert visitor.problems == [] and not visitor.outside
    assert opened > 50


def _shot(path: str) -> str:
    """A screenshot's name from a page's address."""
    return "-" + ("".join(c if c.isalnum() else "_" for c in path).strip("_") or "home")


def test_the_api_documentation_draws_under_the_policy(world, session):
    s = session(DESKTOP)
    s.login(world.county)
    page = s.go("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag")
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-get .opblock-summary").first.click()  # a reading operation, opened
    page.wait_for_selector(".opblock-body .responses-table")
    page.locator(".opblock-body button.try-out__btn").first.click()
    page.locator(".opblock-body button.execute").first.click()  # and tried: the answer is highlighted
    page.wait_for_selector(".opblock-body .live-responses-table .response-col_status")
    assert s.problems == [] and not s.outside


def test_the_language_switch_at_the_foot_of_a_page_submits_on_change(world, session):
    s = session(PHONE)
    page = s.go("/accounts/login/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.select_option("footer select[name=language]", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("button[type=submit]:has-text('Log in')").is_visible()
    page.select_option("footer select[name=language]", "zh-hans")
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
    assert s.problems == []


def test_the_print_views_open_the_print_dialog_by_themselves(world, session):
    from cunzhan.assessment import services

    _inspected(world)
    county = world.regions["610828"]
    assessment = services.assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
    services.assessment_submit_review(acting_user=world.county, assessment=assessment)
    services.assessment_publish(acting_user=world.county, assessment=assessment)
    s = session(DESKTOP)
    s.context.add_init_script(COUNT_PRINTS)
    page = s.go(f"/public/assessments/{assessment.county_id}/{assessment.year}/{assessment.period}/?print=1")
    page.wait_for_function("() => window.printed === 1")
    page = s.go(f"/public/assessments/{assessment.county_id}/{assessment.year}/{assessment.period}/")
    assert page.evaluate("window.printed") is None  # the screen view does not print
    s.login(world.county)
    page = s.go(f"/assessment/{assessment.pk}/?print=1")
    page.wait_for_function("() => window.printed === 1")
    assert s.problems == []


def test_the_ledger_import_page_shows_its_errors_and_the_progress_of_a_long_import(world, session):
    s = session(PHONE)
    s.login(world.keeper)
    page = s.go("/ledgers/purchase/import/")
    upload = "站点编码,日期,商品名称\nJX-0001,not-a-date,化肥\n".encode()
    page.set_input_files("input[type=file]", files=[{"name": "a.csv", "mimeType": "text/csv", "buffer": upload}])
    page.click("button[type=submit]:has-text('检查并导入')")
    page.wait_for_selector("table.import-errors td")
    assert page.locator("table.import-errors td.text-danger").count() >= 1  # what is wrong, row by row

    # a long import in progress, as its job's row says: the bar shows how far it got, htmx asks again
    from cunzhan.core.models import Job, JobState

    job = Job.objects.create(
        kind="ledgers.import",
        params={"kind": "purchase", "file": "uploads/a.xlsx", "name": "a.xlsx"},
        state=JobState.RUNNING,
        attempts=1,
        phase="write",
        progress_done=50,
        progress_total=200,
        created_by=world.keeper,
        queued_at=timezone.now(),
        created_at=timezone.now(),
    )
    page = s.go(f"/ledgers/imports/{job.pk}/")
    assert page.locator("progress").get_attribute("value") == "25"
    Job.objects.filter(pk=job.pk).update(progress_done=150)
    page.wait_for_function("() => document.querySelector('progress')?.value === 75")
    finished = {"phase": "finished", "rows_read": 3, "rows_created": 3, "rows_skipped": 0, "seconds": 1}
    Job.objects.filter(pk=job.pk).update(state=JobState.DONE, result=finished)
    page.wait_for_selector("text=导入完成")
    assert s.problems == []
    s.keep("ledger-import-progress")


def test_on_a_phone_the_lists_become_cards_with_amounts_and_actions_in_view(world, session):
    """At 360 px the ledger list, the monthly report and the report board fit the screen: each row a
    card, its amount and its 修改/删除 visible without scrolling sideways."""
    from datetime import date

    from cunzhan.ledgers import services as ledgers

    for n in range(3):
        ledgers.entry_create(
            acting_user=world.keeper, kind="purchase", station=world.station_keng, occurred_on=date(2025, 3, 1 + n),
            product_name="农用喷雾器（大容量，带肩带）", quantity=2, amount="1234.50", platform="拼多多",
            customer_name="张三", customer_phone="13800001234",
        )  # fmt: skip
    s = session(PHONE)
    s.login(world.keeper)
    # one entry each in the list; the three together on the report's one line
    for path, shown in (("/ledgers/purchase/", "1,234.50"), ("/reports/JX-0001/monthly/2025-03/", "3,703.50")):
        page = s.go(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        amount = page.locator("td[data-label='金额（元）']").first
        assert amount.is_visible() and shown in amount.inner_text(), path
        box = amount.bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"], path
    edit = s.go("/ledgers/purchase/").locator("td a:has-text('修改')").first
    box = edit.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]
    s.keep("phone-ledger-cards")
    board = session(PHONE)
    board.login(world.operator)
    page = board.go("/reports/board/?month=2025-03")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("td[data-label='状态']").first.is_visible()
