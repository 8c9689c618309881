"""/api/v1/users: the account management of the pages as API operations, scoped as the pages are
(outside the scope 404, not the role's 403, refused 422 in Chinese, an edit from an old version 409)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cunzhan.accounts import services
from cunzhan.accounts.importers import HEADERS
from cunzhan.accounts.models import User
from cunzhan.accounts.tests.test_importers import KEEPER, PASSWORD_SHAPE, SUPERVISOR


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def patch(client, path, data):
    return client.patch(path, data, content_type="application/json")


def test_a_county_office_creates_an_account_and_reads_its_initial_password_once(world, client):
    client.force_login(world.county)
    answer = post(
        client,
        "/api/v1/users",
        {"username": "zz_api", "display_name": "接口", "role": "keeper", "station": "JX-0002", "phone": "13800000003"},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["station_code"] == "JX-0002" and body["region_id"] == "610828102201" and body["must_change_password"]
    assert PASSWORD_SHAPE.match(body["initial_password"])
    assert User.objects.get(username="zz_api").check_password(body["initial_password"])
    again = client.get(f"/api/v1/users/{body['id']}").json()
    assert "initial_password" not in again and again["version"] == 0


def test_a_chosen_password_is_not_echoed(world, client):
    client.force_login(world.county)
    body = post(
        client,
        "/api/v1/users",
        {
            "username": "zz_own",
            "display_name": "某",
            "role": "supervisor",
            "region": "610828101",
            "password": "Own#pass2026",
        },
    ).json()
    assert body["initial_password"] is None and User.objects.get(username="zz_own").check_password("Own#pass2026")


def test_creating_outside_the_county_or_wider_than_it_is_refused_in_chinese(world, client):
    client.force_login(world.county)
    cases = [
        ({"role": "supervisor", "region": "360734100"}, "只能管理本辖区内的账号"),
        ({"role": "keeper", "station": "XW-0001"}, "服务站 XW-0001 不存在或不在您的辖区内"),
        ({"role": "viewer", "region": "6108"}, "您无权创建或修改“市/省主管部门”角色的账号"),
        ({"role": "admin"}, "您无权创建或修改“系统管理员”角色的账号"),
        ({"role": "operator", "operating_unit_id": world.other_unit.pk}, "运营单位不存在或不在您的辖区内"),
        ({"role": "keeper", "station": "JX-0001", "phone": "12345"}, "不是手机号"),
        ({"role": "boss"}, "角色无效"),
        ({"role": "supervisor", "region": "999999999"}, "区划代码 999999999 不存在"),
        ({"username": "keeper", "role": "keeper", "station": "JX-0001"}, "已被使用"),
    ]
    for fields, message in cases:
        answer = post(client, "/api/v1/users", {"username": "zz_x", "display_name": "某", **fields})
        assert answer.status_code == 422, (fields, answer.content)
        assert message in answer.json()["detail"], (fields, answer.json())
    assert not User.objects.filter(username="zz_x").exists()


def test_only_account_managers_manage_accounts(world, client):
    target = world.other_keeper
    for persona in ("keeper", "supervisor", "operator", "city"):
        client.force_login(world.users[persona])
        assert (
            post(client, "/api/v1/users", {"username": "zz", "display_name": "某", "role": "keeper"}).status_code == 403
        )
        for action in ("deactivate", "reset-password", "unlock"):
            assert post(client, f"/api/v1/users/{target.pk}/{action}").status_code in (403, 404), (persona, action)


def test_accounts_outside_the_scope_do_not_exist(world, client):
    client.force_login(world.county)
    target = world.other_keeper.pk
    assert client.get(f"/api/v1/users/{target}").status_code == 404
    assert patch(client, f"/api/v1/users/{target}", {"display_name": "x", "version": 0}).status_code == 404
    for action in ("deactivate", "activate", "reset-password", "unlock"):
        assert post(client, f"/api/v1/users/{target}/{action}").status_code == 404, action
    assert User.objects.get(pk=target).is_active


def test_an_edit_carries_the_version_it_read_and_a_stale_one_is_refused(world, client):
    client.force_login(world.county)
    keeper = client.get(f"/api/v1/users/{world.keeper.pk}").json()
    first = patch(client, f"/api/v1/users/{world.keeper.pk}", {"display_name": "高站长", "version": keeper["version"]})
    assert first.status_code == 200 and first.json()["display_name"] == "高站长" and first.json()["version"] == 1
    stale = patch(client, f"/api/v1/users/{world.keeper.pk}", {"phone": "13800000004", "version": keeper["version"]})
    assert stale.status_code == 409 and "已被修改" in stale.json()["detail"]
    assert User.objects.get(pk=world.keeper.pk).phone == ""
    bad = patch(client, f"/api/v1/users/{world.keeper.pk}", {"phone": "123", "version": 1})
    assert bad.status_code == 422 and "不是手机号" in bad.json()["detail"]


def test_deactivating_and_activating_an_account(world, client):
    client.force_login(world.county)
    _token, key = services.token_create(user=world.keeper, name="手机")
    answer = post(client, f"/api/v1/users/{world.keeper.pk}/deactivate")
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    assert post(client, f"/api/v1/users/{world.keeper.pk}/activate").json()["is_active"] is True
    own = post(client, f"/api/v1/users/{world.county.pk}/deactivate")
    assert own.status_code == 422 and "不能停用自己的账号" in own.json()["detail"]


def test_a_password_reset_answers_the_new_initial_password_and_revokes_the_tokens(world, client):
    client.force_login(world.county)
    _token, key = services.token_create(user=world.keeper, name="手机")
    answer = post(client, f"/api/v1/users/{world.keeper.pk}/reset-password")
    assert answer.status_code == 200
    password = answer.json()["initial_password"]
    keeper = User.objects.get(pk=world.keeper.pk)
    assert PASSWORD_SHAPE.match(password) and keeper.check_password(password) and keeper.must_change_password
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    own = post(client, f"/api/v1/users/{world.county.pk}/reset-password")
    assert own.status_code == 422 and "不能重置自己的密码" in own.json()["detail"]


def test_a_lockout_is_lifted(world, client):
    client.force_login(world.county)
    answer = post(client, f"/api/v1/users/{world.keeper.pk}/unlock")
    assert answer.status_code == 200 and answer.json() == {"attempts_cleared": 0}


def _file(*rows) -> SimpleUploadedFile:
    lines = [",".join(HEADERS), *(",".join(row) for row in rows)]
    return SimpleUploadedFile("账号.csv", ("\r\n".join(lines) + "\r\n").encode(), content_type="text/csv")


def test_a_table_of_accounts_is_imported_through_the_api(world, client):
    client.force_login(world.county)
    answer = client.post("/api/v1/users/import", {"file": _file(KEEPER, SUPERVISOR)})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["detail"] == "已创建 2 个账号，首次登录须修改密码"
    for account in body["created"]:
        assert User.objects.get(username=account["username"]).check_password(account["initial_password"])
    again = client.post("/api/v1/users/import", {"file": _file(KEEPER, SUPERVISOR)})
    assert again.status_code == 200 and again.json()["created"] == []
    assert "本次没有任何改动" in again.json()["detail"]


def test_a_bad_table_is_refused_row_by_row(world, client):
    client.force_login(world.county)
    answer = client.post("/api/v1/users/import", {"file": _file(("zz_a", "某", "", "站长", "", "", "XW-0001"))})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "文件有 1 处错误，未创建任何账号",
        "errors": [{"row": 2, "column": "服务站", "message": "服务站“XW-0001”不存在，或不在佳县"}],
    }


def test_an_administrator_names_the_county_of_an_import(world, client):
    client.force_login(world.admin)
    answer = client.post("/api/v1/users/import", {"file": _file(KEEPER)})
    assert answer.status_code == 422 and "county" in answer.json()["detail"]
    answer = client.post("/api/v1/users/import?county=610828", {"file": _file(KEEPER)})
    assert answer.status_code == 201
    template = client.get("/api/v1/users/import/template?county=360734")
    assert template.status_code == 200 and template["Content-Disposition"].endswith('accounts-360734.xlsx"')


def test_a_county_office_cannot_import_into_another_county(world, client):
    client.force_login(world.county)
    answer = client.post("/api/v1/users/import?county=360734", {"file": _file(KEEPER)})
    assert answer.status_code == 404 and not User.objects.filter(username="zz_keeper").exists()
