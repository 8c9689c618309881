"""Sessions renewed at most once a minute (cunzhan/accounts/sessions.py), idle timeout kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunzhan.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("session_engine")


@pytest.fixture
def session_engine(settings):
    settings.SESSION_ENGINE = "cunzhan.accounts.sessions"
    settings.SESSION_SAVE_EVERY_REQUEST = True
    settings.SESSION_COOKIE_AGE = 30 * 60


def log_in(client, username="county"):
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302


def session_writes(client, path="/"):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]


def expiry(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def test_a_page_view_within_a_minute_of_the_last_renewal_writes_nothing(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client)
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        assert session_writes(client) == []
    assert expiry(client) == start + timedelta(minutes=30)


def test_a_page_view_after_a_minute_renews_the_session(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert len(session_writes(client)) == 1
    assert expiry(client) == start + timedelta(seconds=61, minutes=30)


def test_thirty_minutes_idle_still_end_the_session(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200  # renews: more than a minute since the login
    with time_machine.travel(start + timedelta(minutes=29, seconds=30), tick=False):
        assert client.get("/").status_code == 200  # within the minute: not renewed
    # 30 minutes after the last renewal, 29½ after the last activity: never longer than 30
    with time_machine.travel(start + timedelta(minutes=59, seconds=1), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logging_out_within_the_minute_ends_the_session(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        client.post("/accounts/logout/")
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_user_is_not_let_back_in_by_an_open_session(world, client):
    log_in(client)
    assert client.get("/").status_code == 200
    world.county.is_active = False
    world.county.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_session_key_is_a_visitor_with_a_fresh_session(world, client):
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_a_page_reads_its_session_and_user_once_each(world, client):
    log_in(client)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/ledgers/").status_code == 200
    reads = [q["sql"] for q in queries]
    assert sum("django_session" in sql and sql.startswith("SELECT") for sql in reads) == 1
    assert sum('FROM "accounts_user"' in sql for sql in reads) == 1
    assert client.get("/ledgers/").context["user"] == world.county
