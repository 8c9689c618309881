"""催报 in a real browser: the operating unit ticks three stations on the report board and chases them with
a note; a keeper opens the site on a 360 px phone and finds the notice first, with the button that takes
him to the report. (The journeys' fixtures and checks of cunzhan/dashboards/tests/test_browser.py: no
console error, nothing the Content-Security-Policy refused, no request leaving the app.)"""

from __future__ import annotations

import pytest
from django.utils import timezone

from cunzhan.conftest import make_user
from cunzhan.core import dates
from cunzhan.core.roles import Role
from cunzhan.dashboards.tests.test_browser import DESKTOP, PHONE, browser, session  # noqa: F401  (fixtures)
from cunzhan.notices.models import Notice, NoticeKind
from cunzhan.stations.models import Station, Status, Tier

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_operator_chases_three_stations_and_a_keeper_sees_it_on_a_phone(world, session):  # noqa: F811
    third = Station.objects.create(
        code="JX-0003",
        name="高家坬村二站",
        tier=Tier.VILLAGE,
        region=world.regions["610828101201"],
        county_code="610828",
        operating_unit=world.unit,
        status=Status.OPERATING,
    )
    make_user("keeper2", Role.KEEPER, region=world.regions["610828102201"], station=world.station_dian)
    make_user("keeper3", Role.KEEPER, region=world.regions["610828101201"], station=third)
    year, month = dates.previous_month(timezone.now())
    slug = f"{year}-{month:02d}"

    operator = session(DESKTOP)
    operator.login(world.operator)
    page = operator.go(f"/reports/board/?county=610828&kind=monthly&month={slug}")
    for code in ("JX-0001", "JX-0002", "JX-0003"):
        page.check(f"#chase-{code}")
    page.fill("#chase-note", "请今天下班前提交")
    page.click("[data-testid=chase-chosen]")
    page.wait_for_selector("text=已催报 3 个站点，通知站长 3 人。")
    operator.keep("notices-chase-board")
    assert Notice.objects.filter(kind=NoticeKind.REPORT_CHASE, sender=world.operator).count() == 3

    keeper = session(PHONE)
    keeper.login(world.keeper)
    page = keeper.page
    notices = page.locator("[data-testid=home-notices]")
    assert notices.is_visible()
    # first on the page, above the keeper's own board
    assert notices.bounding_box()["y"] < page.locator("[data-testid=due]").bounding_box()["y"]
    item = notices.locator("[data-testid=notice]").first
    text = item.inner_text()
    assert "提醒您：请" in text and f"提交 {month}月 月报" in text and "附言：请今天下班前提交" in text
    assert page.locator("[data-testid=nav-notices] .badge").inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    keeper.keep("notices-keeper-phone-home")
    item.locator("button:has-text('去提交')").click()
    page.wait_for_url(f"**/reports/JX-0001/monthly/{slug}/")
    assert Notice.objects.get(recipient=world.keeper).read_at is not None
    page = keeper.go("/notices/")
    keeper.keep("notices-keeper-phone-list")
    assert page.locator("[data-testid=nav-notices] .badge").count() == 0
    assert operator.problems == [] and keeper.problems == []
    assert operator.outside == [] and keeper.outside == []
