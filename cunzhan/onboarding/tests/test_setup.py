"""A county office sees, on its home page, what is left before its county runs on the system — each
step with its count and a link — until every step is done."""

from __future__ import annotations

from cunzhan.assessment import services as assessment
from cunzhan.onboarding.setup import setup_steps
from cunzhan.regions.models import Region
from cunzhan.reports import services as reports


def test_the_checklist_shows_what_is_left_until_all_is_done(world, client):
    county = world.regions["610828"]
    steps = setup_steps(world.county, county)
    assert [s.done for s in steps] == [True, False, True, True, True, False]  # scheme, report settings left
    client.force_login(world.county)
    page = client.get("/").content.decode()
    assert "新县上线清单" in page and "选定本县方案" in page and 'href="/assessment/schemes/"' in page
    assessment.scheme_copy(acting_user=world.county, county=county)
    reports.report_settings_update(acting_user=world.county, county=county, monthly_due_day=5)
    assert setup_steps(world.county, county) is None
    assert "新县上线清单" not in client.get("/").content.decode()


def test_a_new_county_with_only_its_regions_starts_at_the_second_step(world):
    county = Region.objects.create(code="610829", name="新县", level=3, parent_id="6108")
    Region.objects.create(code="610829100", name="新镇", level=4, parent=county)
    Region.objects.create(code="610829100201", name="新村", level=5, parent_id="610829100")
    steps = setup_steps(world.admin, county)
    assert [s.count for s in steps] == [2, 0, 0, 0, 0, 0]
    assert [s.done for s in steps] == [True, False, False, False, False, False]


def test_each_step_links_to_the_page_that_does_it_and_every_link_opens(world, client):
    county = world.regions["610828"]
    steps = {s.action: s.url for s in setup_steps(world.county, county)}
    assert steps == {
        "查看区划": "/regions/610828/",
        "选定本县方案": "/assessment/schemes/",
        "登记运营单位": "/operating-units/",  # the units' register, not the stations' list
        "批量创建账号": "/accounts/users/import/",  # the accounts' bulk import, not one by one
        "导入服务站": "/stations/import/",
        "确认报送时限": "/reports/settings/",
    }
    client.force_login(world.county)
    home = client.get("/").content.decode()
    for url in steps.values():
        assert f'href="{url}"' in home
        assert client.get(url).status_code == 200, url


def test_other_roles_see_no_checklist(world):
    county = world.regions["610828"]
    for user in (world.operator, world.supervisor, world.keeper, world.city):
        assert setup_steps(user, county) is None
