"""The pages, tried as a new user would."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime

import time_machine
from django.test import Client
from python_calamine import CalamineWorkbook

from cunzhan.regions.models import Level, Region
from cunzhan.stations.exporters import CERTIFIED_FIELDS
from cunzhan.stations.lifecycle import SHANGHAI
from cunzhan.stations.models import Station, Status
from cunzhan.stations.services import DETAIL_FIELDS, station_transition
from cunzhan.stations.tests.conftest import COMPLIANT


def test_a_county_office_registers_a_small_village_point_exempts_it_and_certifies_it(world, client):
    Region.objects.create(code="610828101202", name="木头峪村", level=Level.VILLAGE, parent_id="610828101")
    client.force_login(world.county)
    form = {k: ("on" if v is True else v) for k, v in COMPLIANT.items()}
    form.update(code="JX-0200", name="木头峪村服务点", tier="village", region="610828101202", usable_area="8")
    form["operating_unit"] = world.unit.pk
    response = client.post("/stations/new/", form)
    assert response.status_code == 302 and response["Location"] == "/stations/JX-0200/"
    client.post("/stations/JX-0200/people/", {"name": "王五", "pre_job_training_days": "3", "yearly_trainings": "2"})

    page = client.get("/stations/JX-0200/").content.decode()
    assert "实际使用面积 8 ㎡，村级服务点须不少于 10 ㎡" in page and "1 项不符合" in page

    client.post("/stations/JX-0200/exemptions/", {"rule": "area", "basis": "deep_poverty", "reason": "深度贫困村"})
    page = client.get("/stations/JX-0200/").content.decode()
    assert "已放宽" in page and "深度贫困村" in page and "全部符合" in page

    # an illegal jump is refused with the states named
    client.post("/stations/JX-0200/transition/", {"to": "certified", "agreement_no": "XY-1"})
    response = client.get("/stations/JX-0200/")
    assert "服务站当前为“申请”，不能变为“认定授牌”" in response.content.decode()

    client.force_login(world.operator)
    client.post("/stations/JX-0200/transition/", {"to": "preliminary_review"})
    client.post("/stations/JX-0200/transition/", {"to": "county_review", "reason": "材料齐全"})
    client.force_login(world.county)
    with time_machine.travel(datetime(2026, 5, 1, 10, tzinfo=SHANGHAI), tick=False):
        client.post("/stations/JX-0200/transition/", {"to": "publicity"})
    public = client.get("/directory/publicity/").content.decode()
    assert "木头峪村服务点" in public and "2026-05-01 至 2026-05-07" in public
    with time_machine.travel(datetime(2026, 5, 8, 9, tzinfo=SHANGHAI), tick=False):
        client.force_login(world.county)  # the 30-minute session from a week ago has expired
        client.post("/stations/JX-0200/transition/", {"to": "certified", "agreement_no": "XY-2026-8"})
    station = Station.objects.get(code="JX-0200")
    assert station.status == Status.CERTIFIED and station.certified_at is not None
    assert list(station.events.order_by("pk").values_list("to_status", flat=True)) == [
        "applied",
        "preliminary_review",
        "county_review",
        "publicity",
        "certified",
    ]
    client.logout()
    assert "木头峪村服务点" in client.get("/directory/").content.decode()


def test_the_register_form_shows_the_service_refusal_on_the_field(world, client):
    client.force_login(world.county)
    response = client.post(
        "/stations/new/", {"code": "JX-0300", "name": "x", "tier": "township", "region": "610828101201"}
    )
    assert response.status_code == 200
    assert "须为乡镇级区划" in response.content.decode()


def test_a_town_supervisor_cannot_see_another_towns_station(world, client):
    client.force_login(world.supervisor)
    assert client.get("/stations/JX-0001/").status_code == 200
    assert client.get("/stations/JX-0002/").status_code == 404
    assert client.post("/stations/JX-0002/transition/", {"to": "rectifying", "reason": "x"}).status_code == 404


def test_a_keeper_sees_only_its_own_station_and_cannot_move_it(world, client):
    client.force_login(world.keeper)
    assert client.get("/stations/JX-0002/").status_code == 404
    client.post("/stations/JX-0001/transition/", {"to": "rectifying", "reason": "x"})
    assert Station.objects.get(code="JX-0001").status == Status.OPERATING


def test_the_public_directory_lists_only_certified_stations_without_personal_data(world, client, make_station):
    make_station("JX-0100", status=Status.APPLIED, name="申请中的站")
    station = make_station("JX-0101", status=Status.OPERATING, name="运营中的站", region=world.regions["610828102201"])
    page = client.get("/directory/").content.decode()
    assert "运营中的站" in page and "申请中的站" not in page
    detail = client.get("/directory/JX-0101/").content.decode()
    assert "县电商办 0912-1234567" in detail and "张三" not in detail  # the responsible person stays private
    assert client.get("/directory/JX-0100/").status_code == 404
    assert station.people.exists()


def test_register_export_and_certified_exports(world, client):
    client.force_login(world.city)
    response = client.get("/stations/export/register.xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content))).get_sheet_by_index(0)
    codes = {r[0] for r in sheet.to_python()[1:]}
    assert codes == {"JX-0001", "JX-0002"}
    document = json.loads(client.get("/stations/export/certified.json").content)
    assert document["format"] == "cunzhan.certified-stations" and document["version"] == 1
    assert [s["code"] for s in document["stations"]] == ["JX-0001", "JX-0002"]
    assert list(document["stations"][0]) == [key for key, _h, _g in CERTIFIED_FIELDS]
    assert client.get("/stations/export/certified.xlsx").status_code == 200
    assert client.get("/stations/export/certified.pdf").status_code == 404


def test_import_page_reports_errors_and_saves_nothing(world, client):
    from cunzhan.stations.tests.test_importers import row, xlsx

    client.force_login(world.county)
    assert client.get("/stations/import/template.xlsx").status_code == 200
    bad = xlsx([row("UP-001"), row("UP-002", 层级="村站")])
    bad.name = "s.xlsx"
    page = client.post("/stations/import/", {"file": bad}).content.decode()
    assert "第 3 行“层级”列" in page and not Station.objects.filter(code__startswith="UP-").exists()
    good = xlsx([row("UP-001"), row("UP-002")])
    good.name = "s.xlsx"
    assert client.post("/stations/import/", {"file": good}).status_code == 302
    assert Station.objects.filter(code__startswith="UP-").count() == 2


def test_zombie_list_and_county_settings(world, client):
    Station.objects.filter(code="JX-0001").update(last_activity_at=datetime(2026, 1, 1, tzinfo=SHANGHAI))
    Station.objects.filter(code="JX-0002").update(last_activity_at=datetime(2026, 3, 1, tzinfo=SHANGHAI))
    client.force_login(world.county)
    with time_machine.travel(datetime(2026, 4, 15, tzinfo=SHANGHAI), tick=False):
        page = client.get("/stations/zombies/").content.decode()
        assert "JX-0001" in page and "JX-0002" not in page
        form = client.get("/stations/settings/").context["form"]
        data = {name: form[name].value() for name in form.fields}
        data["zombie_days"] = 30
        assert client.post("/stations/settings/", data).status_code == 302
        page = client.get("/stations/zombies/").content.decode()
        assert "JX-0001" in page and "JX-0002" in page
    client.force_login(world.supervisor)
    assert client.get("/stations/settings/").status_code == 403


# -- two editors of one station -------------------------------------------------------------


def edit_form(client, code: str, **changes) -> dict:
    """The edit page's form as the browser posts it back: the details as loaded, the hidden version
    the page was rendered with, and the user's changes."""
    page = client.get(f"/stations/{code}/edit/").content.decode()
    station = Station.objects.get(code=code)
    data = {"version": re.search(r'name="version" value="(\d+)"', page).group(1)}
    for field in DETAIL_FIELDS:
        value = getattr(station, field)
        if value is True:
            data[field] = "on"
        elif value not in (None, False):
            data[field] = str(value)
    return {**data, **changes}


def test_an_editor_saves_the_station_and_the_version_moves_on(world, client):
    client.force_login(world.operator)
    response = client.post("/stations/JX-0001/edit/", edit_form(client, "JX-0001", opening_hours="8:00-20:00"))
    assert response.status_code == 302
    station = Station.objects.get(code="JX-0001")
    assert station.opening_hours == "8:00-20:00" and station.version == 1 and station.edited_by == world.operator
    response = client.post("/stations/JX-0001/edit/", edit_form(client, "JX-0001", opening_hours="9:00-17:00"))
    assert response.status_code == 302 and Station.objects.get(code="JX-0001").version == 2


def test_of_two_editors_who_loaded_the_same_station_the_second_is_told_who_saved_first(world, client):
    world.county.display_name = "张三"
    world.county.save()
    with time_machine.travel(datetime(2026, 3, 5, 10, 42, tzinfo=SHANGHAI), tick=False):
        client.force_login(world.county)
        other = Client()
        other.force_login(world.operator)
        first = edit_form(client, "JX-0001", opening_hours="8:00-20:00", fees="免费")
        second = edit_form(other, "JX-0001", opening_hours="9:00-17:00", address="后来者的地址")

        assert client.post("/stations/JX-0001/edit/", first).status_code == 302
        response = other.post("/stations/JX-0001/edit/", second)

    page = response.content.decode()
    assert response.status_code == 200
    assert "该服务站信息已被他人（张三，10:42）修改，请刷新后重新编辑，您的修改未保存。" in page
    assert "后来者的地址" in page  # the refused values are still on the form to copy from
    assert 'href="/stations/JX-0001/edit/">载入最新内容重新编辑' in page  # a GET: a browser refresh would re-post
    station = Station.objects.get(code="JX-0001")
    assert (station.opening_hours, station.fees, station.address) == ("8:00-20:00", "免费", "")
    assert station.version == 1 and station.edited_by == world.county
    # after a refresh the second editor works from the first one's save
    other.force_login(world.operator)  # the session idled out when the clock came back
    refreshed = edit_form(other, "JX-0001", address="后来者的地址")
    assert other.post("/stations/JX-0001/edit/", refreshed).status_code == 302
    station.refresh_from_db()
    assert (station.opening_hours, station.address, station.version) == ("8:00-20:00", "后来者的地址", 2)


def test_an_edit_posted_without_its_version_is_refused_not_saved(world, client):
    client.force_login(world.county)
    data = edit_form(client, "JX-0001", opening_hours="8:00-20:00")
    del data["version"]
    response = client.post("/stations/JX-0001/edit/", data)
    assert response.status_code == 200 and "页面缺少版本信息，请刷新后重新编辑。" in response.content.decode()
    assert Station.objects.get(code="JX-0001").opening_hours == ""


def test_an_edit_does_not_undo_a_lifecycle_move_made_while_the_form_was_open(world, client):
    client.force_login(world.county)
    data = edit_form(client, "JX-0001", opening_hours="8:00-20:00")
    station_transition(
        acting_user=world.county, station=Station.objects.get(code="JX-0001"), to=Status.RECTIFYING, reason="整改"
    )
    assert client.post("/stations/JX-0001/edit/", data).status_code == 302
    station = Station.objects.get(code="JX-0001")
    assert station.status == Status.RECTIFYING and station.opening_hours == "8:00-20:00"


# -- the county a page is about: the one helper (regions.selectors.county_for_user) ----------------


def _cells(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return " ".join(str(c) for name in book.sheet_names for r in book.get_sheet_by_name(name).to_python() for c in r)


def test_county_settings_open_on_the_users_own_county_whatever_is_asked(world, client):
    client.force_login(world.county)
    assert client.get("/stations/settings/?county=360734").context["county"].code == "610828"
    client.force_login(world.admin)
    assert "counties" in client.get("/stations/settings/").context  # the administrator picks one first
    assert client.get("/stations/settings/?county=360734").context["county"].code == "360734"


def test_the_import_template_is_the_asked_county_or_the_first_with_stations(world, client):
    client.force_login(world.admin)
    asked = _cells(client.get("/stations/import/template.xlsx?county=610828"))
    assert "610828101201" in asked and "360734100201" not in asked
    assert "360734100201" in _cells(client.get("/stations/import/template.xlsx"))
    client.force_login(world.county)  # a county office's template is its own county's, whatever is asked
    own = _cells(client.get("/stations/import/template.xlsx?county=360734"))
    assert "610828101201" in own and "360734100201" not in own
