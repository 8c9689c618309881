"""End-to-end journeys in a real browser: Debian's Chromium driven by Playwright against the live server.

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


class Session:
    """One browser context (a fresh visitor) that records any request leaving the app."""

    def __init__(self, browser, live_server, viewport):
        self.base = live_server.url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.outside: list[str] = []
        host = urlparse(self.base).netloc
        self.context.on(
            "request",
            lambda r: None if urlparse(r.url).netloc in (host, "") else self.outside.append(r.url),
        )
        self.page = self.context.new_page()

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, user) -> None:
        page = self.go("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.base + "/")

    def charts_drawn(self) -> None:
        self.page.wait_for_function(
            "Array.from(document.querySelectorAll('[data-chart]')).every(e => e.dataset.rendered === '1')"
        )

    def keep(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

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
    for s in opened:
        s.close()


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


def test_the_county_office_assesses_publishes_and_the_public_sees_it(world, session):
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
    s = session(DESKTOP)
    s.login(world.county)
    page = s.go("/assessment/")
    page.fill("#id_year", "2025")
    page.select_option("#id_period", "H1")
    page.click("button:has-text('计算')")
    page.wait_for_url(f"{s.base}/assessment/*/")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("button:has-text('发布')")
    page.click("button:has-text('发布')")
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
