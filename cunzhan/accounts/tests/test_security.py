"""等保2.0 level 2 baseline: password rules, lockout, idle timeout, forced password change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhan.accounts import services
from cunzhan.accounts.validators import CharacterClassValidator
from cunzhan.conftest import PASSWORD


def post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ab1#xyz", False),  # 7 characters
        ("abcdefgh", False),  # one class
        ("abcd1234", False),  # two classes
        ("abcd123#", True),  # lower, digit, symbol
        ("Xiangcun2026", True),  # lower, upper, digit
        ("ABCD#efg", True),  # upper, symbol, lower
        ("村站密码Ab12", True),  # non-ASCII counts as a symbol
    ],
)
def test_password_needs_eight_characters_of_three_classes(world, password, ok):
    change = lambda: services.password_change(user=world.keeper, old_password=PASSWORD, new_password=password)  # noqa: E731
    if ok:
        change()
        world.keeper.refresh_from_db()
        assert world.keeper.check_password(password)
    else:
        with pytest.raises(ValidationError):
            change()


def test_character_class_message_is_chinese():
    with pytest.raises(ValidationError) as info:
        CharacterClassValidator(3).validate("abcdefgh")
    assert "至少 3 类" in info.value.messages[0]


@pytest.mark.parametrize("password", ["Ab1#", "keeper", "password", "abcdefgh", "12345678", ""])
def test_every_password_message_is_chinese(world, client, password):
    """Through the page, in the interface's language: no message of Django's left in English."""
    client.force_login(world.keeper)
    page = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": password, "new_password_again": password},
    )
    assert page.status_code == 200
    texts = re.findall(r'<div class="invalid-feedback">(.*?)</div>', page.content.decode(), re.S)
    assert texts, page.content.decode()[-2000:]
    for text in texts:
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{4,}", text), text


def test_four_bad_passwords_do_not_lock_the_fifth_does(world, client):
    for _ in range(4):
        assert post_login(client, "keeper", "wrong").status_code == 200
    assert post_login(client, "keeper", PASSWORD).status_code == 302  # still allowed; resets the count
    client.post("/accounts/logout/")
    for _ in range(5):
        post_login(client, "keeper", "wrong")
    response = post_login(client, "keeper", PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()


def test_lockout_lasts_fifteen_minutes(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            post_login(client, "keeper", "wrong")
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        assert post_login(client, "keeper", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert post_login(client, "keeper", PASSWORD).status_code == 302


def test_lockout_is_per_account_not_per_office(world, client):
    for _ in range(5):
        post_login(client, "keeper", "wrong")
    assert post_login(client, "supervisor", PASSWORD).status_code == 302


def test_county_office_can_lift_a_lockout(world, client):
    for _ in range(5):
        post_login(client, "keeper", "wrong")
    services.user_unlock(acting_user=world.county, user=world.keeper)
    assert post_login(client, "keeper", PASSWORD).status_code == 302


def test_thirty_minutes_idle_ends_the_session(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, "county", PASSWORD)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200  # activity renews the session
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_first_login_forces_a_password_change(world, client):
    user = services.user_create(
        acting_user=world.county,
        username="newkeeper",
        display_name="新站长",
        role="keeper",
        password="Initial#2026",
        station=world.station_dian,
    )
    assert user.must_change_password
    response = post_login(client, "newkeeper", "Initial#2026")
    assert client.get("/stations/").status_code == 302
    assert client.get("/stations/")["Location"].startswith("/accounts/password/")
    assert client.get("/api/v1/me").status_code == 403
    response = client.post(
        "/accounts/password/",
        {"old_password": "Initial#2026", "new_password": "Mine#2026x", "new_password_again": "Mine#2026x"},
    )
    assert response.status_code == 302
    assert client.get("/stations/").status_code == 200


def test_password_change_refuses_the_same_password(world, client):
    client.force_login(world.keeper)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": PASSWORD, "new_password_again": PASSWORD},
    )
    assert response.status_code == 200
    assert "新密码不能与原密码相同" in response.content.decode()


def test_reset_password_forces_change_and_revokes_tokens(world):
    _token, key = services.token_create(user=world.keeper, name="手机助手")
    assert services.token_authenticate(key) == world.keeper
    temporary = services.user_reset_password(acting_user=world.county, user=world.keeper)
    world.keeper.refresh_from_db()
    assert world.keeper.must_change_password and world.keeper.check_password(temporary)
    assert services.token_authenticate(key) is None


def test_security_headers_and_cookie_flags(world, client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    post_login(client, "county", PASSWORD)
    assert client.cookies["sessionid"]["httponly"]
