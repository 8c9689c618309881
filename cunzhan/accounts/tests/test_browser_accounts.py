"""The account import in a real browser (the journeys' fixtures and conventions:
cunzhan/dashboards/tests/test_browser.py): the county office uploads its table, reads the initial
passwords once and prints the slips — under the Content-Security-Policy, the print view showing only
the slips, one per person."""

from __future__ import annotations

import pytest

from cunzhan.accounts.importers import HEADERS
from cunzhan.accounts.tests.test_importers import KEEPER, OPERATOR, SUPERVISOR
from cunzhan.dashboards.tests.test_browser import COUNT_PRINTS, DESKTOP, browser, session  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_county_office_imports_accounts_and_prints_a_slip_for_each(world, session):  # noqa: F811
    s = session(DESKTOP)
    s.context.add_init_script(COUNT_PRINTS)
    s.login(world.county)
    page = s.go("/accounts/users/")
    page.click("text=批量导入")
    page.wait_for_url(f"{s.base}/accounts/users/import/")
    table = "\r\n".join(",".join(row) for row in (HEADERS, KEEPER, SUPERVISOR, OPERATOR)) + "\r\n"
    page.set_input_files(
        "input[type=file]", files=[{"name": "账号.csv", "mimeType": "text/csv", "buffer": table.encode()}]
    )
    page.click("button[type=submit]:has-text('检查并导入')")
    page.wait_for_selector("text=已创建 3 个账号")
    passwords = page.locator("table.initial-passwords code.slip-password").all_inner_texts()
    assert len(passwords) == 3 and page.locator(".slip").first.is_hidden()  # the slips only in print

    page.click("button[data-print]")
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    assert page.locator(".slip").count() == 3 and page.locator(".slip").first.is_visible()
    assert page.locator("nav").is_hidden() and page.locator("table.initial-passwords").is_hidden()
    assert page.locator(".slip .slip-password").all_inner_texts() == passwords
    s.keep("account-slips-print")
    page.emulate_media(media="screen")
    assert s.problems == []
