"""The register of operating units: the county office creates, edits, assigns stations and deactivates;
each unit's operators see only its stations; the API and the pages say the same."""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cunzhan.conftest import make_user
from cunzhan.core.concurrency import EditConflict
from cunzhan.core.dates import local_now
from cunzhan.core.roles import Role
from cunzhan.core.scoping import OutOfScope
from cunzhan.stations import selectors, services, units
from cunzhan.stations.models import OperatingUnit, Station, Status, Tier

CODE_A = "91610828MA70000A1P"
CODE_B = "91610828MA70000B2U"
CODE_XUNWU = "91360734MA3500001J"


def new_unit(world, *, name="佳县第二运营公司", credit_code=CODE_B, stations=None, **fields):
    return units.unit_create(
        acting_user=world.county,
        county=world.regions["610828"],
        name=name,
        credit_code=credit_code,
        stations=stations,
        **fields,
    )


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call()
    error = info.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


# -- the services ----------------------------------------------------------------------------------


def test_the_county_office_registers_a_unit_with_its_agreement_and_stations(world):
    unit = new_unit(
        world,
        contact_person=" 李四 ",
        contact_phone="0912-1234567",
        agreement_start=date(2025, 1, 1),
        agreement_end=date(2027, 12, 31),
        stations=[world.station_dian],
    )
    assert (unit.county_id, unit.credit_code, unit.contact_person, unit.is_active) == ("610828", CODE_B, "李四", True)
    assert unit.version == 0 and unit.edited_by == world.county
    world.station_dian.refresh_from_db()
    assert world.station_dian.operating_unit == unit
    # both the unit and the station's move are in the operation log, attributed to the county office
    assert LogEntry.objects.get_for_object(unit).get().actor == world.county
    moved = LogEntry.objects.get_for_object(world.station_dian).latest("timestamp")
    assert moved.actor == world.county and "operating_unit" in moved.changes_dict


@pytest.mark.parametrize(
    ("credit_code", "fragment"),
    [
        ("9161082812345", "应为 18 位"),
        ("91610828MA70000A1X", "校验位不正确"),
        ("9161O828MA70000A1P", "格式不正确"),
        ("", "请填写统一社会信用代码"),
    ],
)
def test_a_wrong_credit_code_is_refused_in_chinese(world, credit_code, fragment):
    errors = errors_of(lambda: new_unit(world, credit_code=credit_code))
    assert fragment in errors["credit_code"][0]
    assert not OperatingUnit.objects.filter(name="佳县第二运营公司").exists()


def test_a_credit_code_with_spaces_and_small_letters_is_kept_compact():
    assert units.credit_code_problem("91610828ma70000a1p".upper()) is None


def test_the_record_is_checked_whole(world):
    new_unit(world, credit_code=CODE_A)
    errors = errors_of(
        lambda: new_unit(
            world,
            name="佳县运营公司",
            credit_code=CODE_A.lower(),
            contact_phone="12345",
            agreement_start=date(2026, 1, 1),
            agreement_end=date(2025, 1, 1),
        )
    )
    assert "本县已有名为“佳县运营公司”" in errors["name"][0]
    assert "已使用此统一社会信用代码" in errors["credit_code"][0]
    assert "手机号" in errors["contact_phone"][0]
    assert "不能早于开始日期" in errors["agreement_end"][0]


def test_another_county_may_have_a_unit_of_the_same_name(world):
    unit = units.unit_create(
        acting_user=world.other_county, county=world.regions["360734"], name="佳县运营公司", credit_code=CODE_XUNWU
    )
    assert unit.county_id == "360734"


def test_the_county_office_manages_only_its_own_county(world):
    with pytest.raises(OutOfScope):
        units.unit_create(acting_user=world.other_county, county=world.regions["610828"], name="x", credit_code=CODE_B)
    with pytest.raises(OutOfScope):
        new_unit(world, stations=[world.station_xunwu])
    with pytest.raises(ValidationError):
        units.unit_create(acting_user=world.county, county=world.regions["610828101"], name="x", credit_code=CODE_B)
    assert new_unit(world).pk and units.unit_create(
        acting_user=world.admin, county=world.regions["360734"], name="寻乌第二", credit_code=CODE_XUNWU
    )


def test_other_roles_cannot_manage_units(world):
    for persona in ("operator", "supervisor", "keeper", "city"):
        with pytest.raises(PermissionDenied):
            units.unit_create(
                acting_user=world.users[persona], county=world.regions["610828"], name="x", credit_code=CODE_B
            )


def test_an_edit_from_an_old_version_is_refused_and_names_who_saved(world):
    unit = new_unit(world)
    units.unit_update(acting_user=world.admin, unit=unit, version=0, contact_person="王五")
    stale = OperatingUnit.objects.get(pk=unit.pk)
    with pytest.raises(EditConflict, match="admin"):
        units.unit_update(acting_user=world.county, unit=stale, version=0, contact_person="赵六")
    stale.refresh_from_db()
    assert (stale.contact_person, stale.version) == ("王五", 1)


def test_the_stations_given_are_the_whole_set_the_unit_serves(world):
    unit = new_unit(world, stations=[world.station_keng, world.station_dian])
    unit = units.unit_update(acting_user=world.county, unit=unit, version=0, stations=[world.station_dian])
    world.station_keng.refresh_from_db()
    world.station_dian.refresh_from_db()
    assert world.station_keng.operating_unit is None and world.station_dian.operating_unit == unit
    assert unit.version == 1
    # an edit that does not mention the stations leaves them as they are
    units.unit_update(acting_user=world.county, unit=unit, version=1, contact_person="李四")
    assert list(Station.objects.filter(operating_unit=unit).values_list("code", flat=True)) == ["JX-0002"]


def test_moving_a_station_to_another_unit_moves_what_each_operator_sees(world):
    second = new_unit(world, stations=[world.station_dian])
    other_operator = make_user("operator2", Role.OPERATOR, region=world.regions["610828"], operating_unit=second)
    assert set(selectors.stations_for_user(world.operator).values_list("code", flat=True)) == {"JX-0001"}
    assert set(selectors.stations_for_user(other_operator).values_list("code", flat=True)) == {"JX-0002"}


def test_an_ended_station_stays_with_the_unit_that_ran_it(world):
    Station.objects.filter(pk=world.station_dian.pk).update(status=Status.REVOKED)
    world.station_dian.refresh_from_db()
    errors = errors_of(lambda: new_unit(world, stations=[world.station_dian]))
    assert "已撤销，其记录留在原运营单位" in errors["stations"][0]
    # and leaving it out of its own unit's list does not take it away
    units.unit_update(acting_user=world.county, unit=world.unit, version=0, stations=[world.station_keng])
    world.station_dian.refresh_from_db()
    assert world.station_dian.operating_unit == world.unit


def test_a_station_of_another_county_cannot_be_assigned_even_by_the_admin(world):
    errors = errors_of(
        lambda: units.unit_create(
            acting_user=world.admin,
            county=world.regions["610828"],
            name="x",
            credit_code=CODE_B,
            stations=[world.station_xunwu],
        )
    )
    assert "不属于本县" in errors["stations"][0]


def test_deactivation_waits_until_the_stations_are_served_by_another_unit(world):
    errors = errors_of(lambda: units.unit_deactivate(acting_user=world.county, unit=world.unit, reason="协议到期"))
    assert "仍在服务 2 个服务站（JX-0001、JX-0002）" in errors["__all__"][0]
    assert "reason" in errors_of(lambda: units.unit_deactivate(acting_user=world.county, unit=world.unit, reason=" "))
    Station.objects.filter(pk=world.station_dian.pk).update(status=Status.CLOSED)  # its history stays
    new_unit(world, stations=[world.station_keng])
    unit = units.unit_deactivate(acting_user=world.county, unit=world.unit, reason="协议到期")
    assert not unit.is_active and unit.deactivated_by == world.county and unit.deactivation_reason == "协议到期"
    assert unit.agreement_end == local_now().date()
    assert Station.objects.get(pk=world.station_dian.pk).operating_unit == unit
    with pytest.raises(ValidationError, match="已停用"):
        units.unit_deactivate(acting_user=world.county, unit=unit, reason="again")


def test_a_deactivated_unit_takes_no_station_until_it_is_reactivated(world):
    second = new_unit(world)
    units.unit_deactivate(acting_user=world.county, unit=second, reason="未签约")
    second.refresh_from_db()
    errors = errors_of(
        lambda: services.station_register(
            acting_user=world.county,
            code="JX-0300",
            tier=Tier.VILLAGE,
            region=world.regions["610828101201"],
            operating_unit=second,
            name="x",
        )
    )
    assert "已停用，不能再承接服务站" in errors["operating_unit"][0]
    errors = errors_of(
        lambda: units.unit_update(acting_user=world.county, unit=second, version=1, stations=[world.station_dian])
    )
    assert "已停用" in errors["stations"][0]
    second = units.unit_reactivate(acting_user=world.county, unit=second)
    assert second.is_active and second.deactivated_at is None
    units.unit_update(acting_user=world.county, unit=second, version=2, stations=[world.station_dian])
    assert Station.objects.get(pk=world.station_dian.pk).operating_unit == second


def test_a_deactivated_units_operator_keeps_read_access_to_its_history(world, client):
    Station.objects.filter(pk=world.station_dian.pk).update(status=Status.REVOKED)
    new_unit(world, stations=[world.station_keng])
    units.unit_deactivate(acting_user=world.county, unit=world.unit, reason="协议到期")
    client.force_login(world.operator)
    page = client.get(f"/operating-units/{world.unit.pk}/").content.decode()
    assert "已停用" in page and "协议到期" in page and "JX-0002" in page
    assert client.get("/stations/JX-0002/").status_code == 200
    assert client.get("/stations/JX-0001/").status_code == 404  # served by the other unit now
    assert client.get(f"/operating-units/{world.unit.pk}/edit/").status_code == 403


# -- the API ---------------------------------------------------------------------------------------


def test_each_role_lists_the_units_in_its_scope(world, client):
    second = new_unit(world)
    seen = {}
    for persona in ("admin", "county", "other_county", "operator", "keeper", "city"):
        client.force_login(world.users[persona])
        seen[persona] = {u["name"] for u in client.get("/api/v1/operating-units").json()["items"]}
    assert seen["admin"] == {"佳县运营公司", "寻乌运营公司", second.name}
    assert seen["county"] == seen["city"] == {"佳县运营公司", second.name}
    assert seen["other_county"] == {"寻乌运营公司"}
    assert seen["operator"] == {"佳县运营公司"}
    client.force_login(world.operator)
    assert client.get(f"/api/v1/operating-units/{second.pk}").status_code == 404
    mine = client.get(f"/api/v1/operating-units/{world.unit.pk}").json()
    assert mine["stations"] == ["JX-0001", "JX-0002"] and mine["county_code"] == "610828"


def test_the_api_creates_edits_with_the_version_and_deactivates(world, client):
    client.force_login(world.county)
    body = {"name": "佳县第二运营公司", "credit_code": CODE_B, "contact_phone": "13800000000", "stations": ["JX-0002"]}
    created = client.post("/api/v1/operating-units", body, content_type="application/json")
    assert created.status_code == 201, created.content
    unit = created.json()
    assert unit["stations"] == ["JX-0002"] and unit["version"] == 0 and unit["is_active"]
    url = f"/api/v1/operating-units/{unit['id']}"
    first = client.patch(url, {"contact_person": "李四", "version": 0}, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 1
    second = client.patch(url, {"contact_person": "赵六", "version": 0}, content_type="application/json")
    assert second.status_code == 409 and "请刷新后重新编辑" in second.json()["detail"]
    refused = client.post(f"{url}/deactivate", {"reason": "试用结束"}, content_type="application/json")
    assert refused.status_code == 422 and "JX-0002" in refused.json()["detail"]
    moved = client.patch(url, {"stations": [], "version": 1}, content_type="application/json")
    assert moved.json()["stations"] == []
    done = client.post(f"{url}/deactivate", {"reason": "试用结束"}, content_type="application/json")
    assert done.status_code == 200 and not done.json()["is_active"]
    assert client.post(f"{url}/reactivate").json()["is_active"]


def test_the_api_refuses_in_chinese(world, client):
    client.force_login(world.county)
    bad = client.post("/api/v1/operating-units", {"name": "x", "credit_code": "123"}, content_type="application/json")
    assert bad.status_code == 422 and "18 位" in bad.json()["errors"]["credit_code"][0]
    unknown = client.post(
        "/api/v1/operating-units",
        {"name": "x", "credit_code": CODE_B, "stations": ["XW-0001", "NOPE"]},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and len(unknown.json()["errors"]["stations"]) == 2
    assert not OperatingUnit.objects.filter(name="x").exists()
    no_version = client.patch(
        f"/api/v1/operating-units/{world.unit.pk}", {"name": "y"}, content_type="application/json"
    )
    assert no_version.status_code == 422
    client.force_login(world.operator)
    denied = client.post(
        "/api/v1/operating-units", {"name": "x", "credit_code": CODE_B}, content_type="application/json"
    )
    assert denied.status_code == 403 and "无权" in denied.json()["detail"]
    client.force_login(world.admin)
    ask = client.post("/api/v1/operating-units", {"name": "x", "credit_code": CODE_B}, content_type="application/json")
    assert ask.status_code == 422 and "county" in ask.json()["errors"]
    client.force_login(world.other_county)
    assert client.get(f"/api/v1/operating-units/{world.unit.pk}").status_code == 404


def test_the_openapi_document_describes_the_register(world, client):
    client.force_login(world.county)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/operating-units"])
    assert {"get", "patch"} <= set(paths["/api/v1/operating-units/{unit_id}"])
    assert "409" in paths["/api/v1/operating-units/{unit_id}"]["patch"]["responses"]
    assert "post" in paths["/api/v1/operating-units/{unit_id}/deactivate"]


# -- the pages -------------------------------------------------------------------------------------


def test_the_county_office_registers_and_edits_a_unit_on_its_pages(world, client):
    client.force_login(world.county)
    listing = client.get("/operating-units/").content.decode()
    assert "佳县运营公司" in listing and "寻乌运营公司" not in listing
    form = client.get("/operating-units/new/").content.decode()
    assert "JX-0001" in form and "XW-0001" not in form
    answer = client.post(
        "/operating-units/new/",
        {
            "name": "佳县第二运营公司",
            "credit_code": CODE_B,
            "contact_phone": "13800000000",
            "agreement_start": "2025-01-01",
            "stations": [world.station_dian.pk],
        },
    )
    unit = OperatingUnit.objects.get(name="佳县第二运营公司")
    assert answer.status_code == 302 and answer["Location"] == f"/operating-units/{unit.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert "JX-0002" in page and "2025-01-01" in page
    edit = client.get(f"/operating-units/{unit.pk}/edit/").content.decode()
    assert 'name="version"' in edit and 'value="2025-01-01"' in edit
    refused = client.post(
        f"/operating-units/{unit.pk}/edit/", {"name": "佳县第二运营公司", "credit_code": "123", "version": 0}
    )
    assert refused.status_code == 200 and "应为 18 位" in refused.content.decode()


def test_a_stale_edit_page_is_refused_with_who_saved(world, client):
    client.force_login(world.county)
    units.unit_update(acting_user=world.admin, unit=world.unit, version=0, credit_code=CODE_A)
    answer = client.post(
        f"/operating-units/{world.unit.pk}/edit/",
        {"name": "佳县运营公司", "credit_code": CODE_A, "version": 0, "stations": []},
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and "已被他人（admin" in page and "载入最新内容重新编辑" in page
    assert Station.objects.filter(operating_unit=world.unit).count() == 2


def test_deactivation_on_the_page_says_why_it_waits(world, client):
    client.force_login(world.county)
    answer = client.post(f"/operating-units/{world.unit.pk}/deactivate/", {"reason": "协议到期"}, follow=True)
    assert "仍在服务 2 个服务站" in answer.content.decode()
    assert OperatingUnit.objects.get(pk=world.unit.pk).is_active


def test_the_admin_picks_the_county_first(world, client):
    client.force_login(world.admin)
    page = client.get("/operating-units/new/").content.decode()
    assert "?county=610828" in page and "?county=360734" in page
    answer = client.post("/operating-units/new/?county=360734", {"name": "寻乌第二", "credit_code": CODE_XUNWU})
    assert answer.status_code == 302 and OperatingUnit.objects.get(name="寻乌第二").county_id == "360734"


def test_the_menu_offers_the_register_to_the_county_office_only(world):
    for persona, shown in (("county", True), ("admin", True), ("operator", False), ("keeper", False)):
        client = Client()
        client.force_login(world.users[persona])
        assert ('href="/operating-units/"' in client.get("/").content.decode()) == shown, persona


def test_an_operator_opens_its_own_units_page_and_no_other(world, client):
    second = new_unit(world)
    client.force_login(world.operator)
    assert client.get("/operating-units/").status_code == 200
    assert client.get(f"/operating-units/{world.unit.pk}/").status_code == 200
    assert client.get(f"/operating-units/{second.pk}/").status_code == 404
    assert client.get("/operating-units/new/").status_code == 403
    assert client.post(f"/operating-units/{world.unit.pk}/deactivate/", {"reason": "x"}).status_code == 403


def test_the_station_pages_link_to_the_unit_where_the_user_may_open_it(world):
    link = f'href="/operating-units/{world.unit.pk}/"'
    for persona, shown in (("operator", True), ("county", True), ("keeper", False), ("supervisor", False)):
        client = Client()
        client.force_login(world.users[persona])
        assert (link in client.get("/stations/JX-0001/").content.decode()) == shown, persona
    client = Client()
    client.force_login(world.operator)
    assert link in client.get("/stations/").content.decode()
