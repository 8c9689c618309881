"""The operation log: every create/update/delete with who, when, from where, before and after;
read-only; kept at least 180 days; each user finds their own actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cunzhan.accounts import services
from cunzhan.conftest import PASSWORD


def test_a_change_through_a_page_is_logged_with_actor_address_and_before_after(world, client):
    client.post("/accounts/login/", {"username": "county", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    client.post(f"/accounts/users/{world.keeper.pk}/deactivate/", REMOTE_ADDR="10.1.2.3")
    entry = LogEntry.objects.get_for_object(world.keeper).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == world.county
    assert entry.remote_addr == "10.1.2.3"
    assert entry.changes["is_active"] == ["True", "False"]


def test_creating_an_account_is_logged_without_the_password(world):
    user = services.user_create(
        acting_user=world.county,
        username="ducha3",
        display_name="督查员",
        role="supervisor",
        password="Ducha#2026",
        region=world.regions["610828101"],
    )
    entry = LogEntry.objects.get_for_object(user).get(action=LogEntry.Action.CREATE)
    assert entry.actor == world.county
    assert "Ducha#2026" not in str(entry.changes)
    assert entry.changes["role"] == ["None", "supervisor"]


def test_each_user_finds_their_own_actions_and_the_county_sees_its_county(world, client):
    services.token_create(user=world.keeper, name="记账助手")
    services.token_create(user=world.other_keeper, name="外县助手")
    client.force_login(world.keeper)
    mine = client.get("/api/v1/audit/operations").json()["items"]
    assert {e["actor"] for e in mine} == {"keeper"}
    assert "记账助手" in client.get("/accounts/operations/").content.decode()
    client.force_login(world.county)
    county = {e["actor"] for e in client.get("/api/v1/audit/operations").json()["items"]}
    assert "keeper" in county and "other_keeper" not in county


def test_the_log_pages_offer_no_way_to_change_entries(world, client):
    services.token_create(user=world.keeper, name="记账助手")
    client.force_login(world.county)
    page = client.get("/accounts/operations/").content.decode()
    assert page.count('<form method="post"') == 1  # the logout button, nothing else
    assert client.post("/api/v1/audit/operations").status_code == 405


def test_purge_refuses_less_than_180_days():
    with pytest.raises(CommandError, match="180"):
        call_command("purge_logs", days=179)


def test_purge_keeps_the_last_180_days(world):
    services.token_create(user=world.keeper, name="新")
    recent = LogEntry.objects.count()
    call_command("purge_logs", days=180)
    assert LogEntry.objects.count() == recent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database-level guard exists on PostgreSQL only")
def test_the_database_refuses_to_rewrite_or_delete_recent_log_rows(world):
    services.token_create(user=world.keeper, name="证据")
    entry = LogEntry.objects.latest("timestamp")
    with pytest.raises(DatabaseError, match="日志只读"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes={"forged": ["a", "b"]})
    with pytest.raises(DatabaseError, match="180"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    old = timezone.now() - timedelta(days=181)
    assert LogEntry.objects.filter(timestamp__lt=old).count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database-level guard exists on PostgreSQL only")
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE auditlog_logentry",
        "TRUNCATE axes_accesslog",
        "TRUNCATE axes_accessfailurelog",
        "TRUNCATE accounts_user CASCADE",  # reaches the operation log through its actor
    ],
)
def test_the_database_refuses_to_empty_a_log_even_for_the_owner_of_the_tables(world, client, statement):
    services.token_create(user=world.keeper, name="证据")
    client.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "keeper", "password": "wrong"})
    with pytest.raises(DatabaseError, match="日志只读，不能清空"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own rows: no foreign key check pending
        cursor.execute(statement)
    assert LogEntry.objects.exists() and AccessLog.objects.exists() and AccessFailureLog.objects.exists()


def test_every_failed_login_is_kept_past_a_thousand_for_one_name(world, client):
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username="keeper", user_agent="", http_accept="", path_info="/accounts/login/")
        for _ in range(1000)
    )
    assert client.post("/accounts/login/", {"username": "keeper", "password": "wrong"}).status_code == 200
    assert AccessFailureLog.objects.filter(username="keeper").count() == 1001
