"""The operating units' register in a real browser on a phone (the journeys' fixtures and conventions
are cunzhan/dashboards/tests/test_browser.py's): no console error, nothing the Content-Security-Policy
refused, nothing wider than the screen."""

from __future__ import annotations

import pytest

from cunzhan.dashboards.tests.test_browser import PHONE, browser, session  # noqa: F401  (fixtures)
from cunzhan.stations.models import OperatingUnit, Station

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_county_office_registers_a_unit_and_assigns_it_a_station_on_a_phone(world, session):  # noqa: F811
    s = session(PHONE)
    s.login(world.county)
    page = s.go("/")
    page.click(".navbar-toggler")  # the menu folds away on a phone
    page.click("nav >> text=运营单位")
    page.wait_for_url(f"{s.base}/operating-units/")
    page.click("text=登记运营单位")
    page.fill("#id_name", "佳县第二运营公司")
    page.fill("#id_credit_code", "91610828MA70000B2U")
    page.fill("#id_contact_phone", "0912-1234567")
    page.fill("#id_agreement_start", "2025-01-01")
    page.check(f"input[name=stations][value='{world.station_dian.pk}']")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.click("button[type=submit]:has-text('保存')")
    unit = OperatingUnit.objects.get(name="佳县第二运营公司")
    page.wait_for_url(f"{s.base}/operating-units/{unit.pk}/")
    assert page.locator("text=JX-0002").first.is_visible()
    assert Station.objects.get(pk=world.station_dian.pk).operating_unit == unit
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1

    # deactivation asks first (app.js, data-confirm), then says why it must wait
    page.click("summary:has-text('停用运营单位')")
    page.fill("#id_reason", "试用结束")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.click("button:has-text('停用')")
    assert questions == ["确定停用该运营单位？"]
    assert page.locator("text=仍在服务 1 个服务站").first.is_visible()
    assert OperatingUnit.objects.get(pk=unit.pk).is_active
    assert not s.outside
    s.keep("journey-units-county-office")
