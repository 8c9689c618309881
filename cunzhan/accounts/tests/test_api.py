from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from cunzhan.accounts import services


def test_a_token_authenticates_api_calls_with_the_owners_scope(world, client):
    _token, key = services.token_create(user=world.supervisor, name="巡查 App")
    response = client.get("/api/v1/stations", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert {s["code"] for s in response.json()["items"]} == {"JX-0001"}
    assert client.get("/api/v1/me", HTTP_X_API_KEY=key).json()["username"] == "supervisor"


def test_bad_revoked_or_expired_tokens_are_refused(world, client):
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cz_nonsense").status_code == 401
    token, key = services.token_create(user=world.keeper, name="a")
    services.token_revoke(user=world.keeper, token=token)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    _token, key = services.token_create(user=world.keeper, name="b", expires_at=timezone.now() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_token_records_its_use_at_most_once_a_minute(world, client):
    token, key = services.token_create(user=world.keeper, name="a", expires_at=timezone.now() + timedelta(days=1))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with time_machine.travel(first + timedelta(seconds=30)):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(first + timedelta(seconds=90)):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first


def test_a_deactivated_users_token_stops_working(world, client):
    _token, key = services.token_create(user=world.keeper, name="a")
    services.user_update(acting_user=world.county, user=world.keeper, is_active=False)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_only_the_hash_of_a_token_is_stored(world):
    token, key = services.token_create(user=world.keeper, name="a")
    token.refresh_from_db()
    assert key not in (token.key_hash, token.prefix) and key.startswith(token.prefix)


def test_the_token_page_shows_a_new_key_once(world, client):
    client.force_login(world.keeper)
    page = client.post("/accounts/tokens/", {"name": "记账"}).content.decode()
    assert "只显示这一次" in page and "cz_" in page
    assert "只显示这一次" not in client.get("/accounts/tokens/").content.decode()


def test_me_lists_the_roles_permissions(world, client):
    client.force_login(world.city)
    me = client.get("/api/v1/me").json()
    assert me["role"] == "viewer" and me["region_id"] == "6108"
    assert "user.manage" not in me["permissions"] and "station.view" in me["permissions"]
