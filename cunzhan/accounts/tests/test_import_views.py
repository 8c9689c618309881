"""The account import on its page: the template download, the errors of a bad file, and the one
answer that shows the initial passwords and prints their slips — kept nowhere after it."""

from __future__ import annotations

import re

from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile

from cunzhan.accounts.importers import HEADERS
from cunzhan.accounts.models import User
from cunzhan.accounts.tests.test_importers import KEEPER, OPERATOR, SUPERVISOR
from cunzhan.core.tests.test_import_templates import sheets

PAGE = "/accounts/users/import/"


def upload(*rows, header=HEADERS) -> SimpleUploadedFile:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return SimpleUploadedFile("账号.csv", ("\r\n".join(lines) + "\r\n").encode(), content_type="text/csv")


def passwords_in(html: str) -> list[str]:
    """The passwords of the answer's table."""
    return re.findall(r'<code class="slip-password">([^<]+)</code>', html)


def slip_passwords_in(html: str) -> list[str]:
    return re.findall(r'<dd class="slip-code slip-password">([^<]+)</dd>', html)


def test_the_user_list_offers_the_import_to_account_managers(world, client):
    client.force_login(world.county)
    assert PAGE in client.get("/accounts/users/").content.decode()
    page = client.get(PAGE).content.decode()
    assert "/accounts/users/import/template.xlsx?county=610828" in page and "佳县" in page


def test_the_import_page_and_template_are_for_account_managers_only(world, client):
    for persona in ("keeper", "supervisor", "operator", "city"):
        client.force_login(world.users[persona])
        assert client.get(PAGE).status_code == 403, persona
        assert client.get(PAGE + "template.xlsx").status_code == 403, persona
        assert client.post(PAGE, {"file": upload(KEEPER)}).status_code == 403, persona
    assert not User.objects.filter(username="zz_keeper").exists()


def test_the_template_downloads_for_the_county_asked_for(world, client):
    client.force_login(world.admin)
    data = b"".join(client.get(PAGE + "template.xlsx?county=360734").streaming_content)
    reference = sheets(data)["参考"]
    assert "XW-0001" in [row[reference[0].index("服务站")] for row in reference]
    client.force_login(world.county)
    data = b"".join(client.get(PAGE + "template.xlsx?county=360734").streaming_content)
    reference = sheets(data)["参考"]  # a county office's own county, whatever it asks for
    assert "JX-0001" in [row[reference[0].index("服务站")] for row in reference]


def test_a_bad_file_is_answered_with_every_error_and_creates_nothing(world, client):
    client.force_login(world.county)
    page = client.post(PAGE, {"file": upload(("zz_a", "", "", "站长", "", "", "XW-0001"))}).content.decode()
    assert "发现 2 处错误，未创建任何账号" in page
    assert "第 2 行“姓名”列：必填" in page and "服务站“XW-0001”不存在，或不在佳县" in page
    assert not User.objects.filter(username="zz_a").exists()


def test_the_answer_shows_each_initial_password_once_with_a_slip_per_person(world, client):
    client.force_login(world.county)
    response = client.post(PAGE, {"file": upload(KEEPER, SUPERVISOR, OPERATOR)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # neither the browser nor a proxy keeps the answer
    page = response.content.decode()
    assert "已创建 3 个账号" in page and "初始密码只显示这一次" in page
    shown = passwords_in(page)
    assert len(shown) == 3 and slip_passwords_in(page) == shown
    users = User.objects.filter(username__in=["zz_keeper", "zz_ducha", "zz_yunying"])
    assert all(u.must_change_password for u in users)
    assert {u.username for u in users if any(u.check_password(p) for p in shown)} == {
        "zz_keeper",
        "zz_ducha",
        "zz_yunying",
    }
    slips = page.split('<div class="slip-sheet">', 1)[1]
    assert slips.count('<section class="slip">') == 3
    for text in ("http://testserver/", "zz_keeper", "首次登录须修改密码", "佳县电商办", "JX-0001 高家坬村站"):
        assert text in slips, text
    assert "accounts/slips.css" in page and "data-print" in page


def test_the_passwords_are_kept_in_no_session_cookie_or_later_page(world, client):
    client.force_login(world.county)
    response = client.post(PAGE, {"file": upload(KEEPER, SUPERVISOR)})
    shown = set(passwords_in(response.content.decode()))
    assert len(shown) == 2
    stored = " ".join(s.session_data + str(s.get_decoded()) for s in Session.objects.all())
    cookies = " ".join(morsel.value for morsel in response.cookies.values())
    later = client.get("/accounts/users/").content.decode() + client.get(PAGE).content.decode()
    for password in shown:
        assert password not in stored and password not in cookies and password not in later


def test_importing_the_same_file_again_says_nothing_changed(world, client):
    client.force_login(world.county)
    client.post(PAGE, {"file": upload(KEEPER, SUPERVISOR)})
    page = client.post(PAGE, {"file": upload(KEEPER, SUPERVISOR)}).content.decode()
    assert "此文件此前已导入过，本次没有任何改动" in page and "alert-info" in page
    assert passwords_in(page) == []


def test_an_administrator_picks_the_county_the_import_is_for(world, client):
    client.force_login(world.admin)
    page = client.get(PAGE + "?county=360734").content.decode()
    assert 'action="?county=360734"' in page and '<option value="610828"' in page
    response = client.post(PAGE + "?county=360734", {"file": upload(("zz_xw", "某", "", "站长", "", "", "XW-0001"))})
    assert len(passwords_in(response.content.decode())) == 1
    assert User.objects.get(username="zz_xw").station == world.station_xunwu


def test_an_imported_account_must_change_its_password_at_first_login(world, client):
    client.force_login(world.county)
    password = passwords_in(client.post(PAGE, {"file": upload(KEEPER)}).content.decode())[0]
    client.logout()
    answer = client.post("/accounts/login/", {"username": "zz_keeper", "password": password})
    assert answer.status_code == 302
    assert client.get("/stations/")["Location"].startswith("/accounts/password/")


def test_the_first_login_hashes_the_initial_password_at_full_strength(world, client, settings):
    """A generated password is hashed with fewer iterations (its randomness protects it); Django
    re-hashes it with its own count when it is first used."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from cunzhan.accounts.passwords import INITIAL_PASSWORD_ITERATIONS

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    client.force_login(world.county)
    password = passwords_in(client.post(PAGE, {"file": upload(KEEPER)}).content.decode())[0]
    assert User.objects.get(username="zz_keeper").password.startswith(f"pbkdf2_sha256${INITIAL_PASSWORD_ITERATIONS}$")
    client.logout()
    client.post("/accounts/login/", {"username": "zz_keeper", "password": password})
    stored = User.objects.get(username="zz_keeper").password
    assert stored.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")


def test_the_single_create_page_generates_a_readable_password(world, client):
    from cunzhan.accounts.tests.test_importers import PASSWORD_SHAPE

    client.force_login(world.county)
    response = client.post(
        "/accounts/users/new/",
        {"username": "x2", "display_name": "某", "role": "keeper", "station": "JX-0002", "password": ""},
        follow=True,
    )
    password = re.search(r"初始密码：(\S+?)（", response.content.decode()).group(1)
    assert PASSWORD_SHAPE.match(password) and User.objects.get(username="x2").check_password(password)
