"""The least-privilege deployment (docs/deployment.md): the app runs as a role that owns nothing, given
its grants by ``cunzhan grant-runtime``. As that role no log can be rewritten, deleted, emptied or
stripped of its triggers, and the app still does its work."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import psycopg
import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cunzhan.conftest import PASSWORD
from cunzhan.ledgers import partitions
from cunzhan.ledgers.aggregates import refresh_county
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.models import Parcel, ProxyPurchase
from cunzhan.ledgers.services import entry_create
from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv
from cunzhan.stations import services as station_services
from cunzhan.stations.models import Station

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles and grants are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),  # the runtime role's connections see only committed rows
]

BUSINESS = ("SELECT", "INSERT", "UPDATE", "DELETE")
LOG_TABLES = {
    "auditlog_logentry": "timestamp",
    "axes_accesslog": "attempt_time",
    "axes_accessfailurelog": "attempt_time",
}


def execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def runtime_role():
    """A role of the test's own: roles belong to the whole server, which the parallel workers share."""
    name = f"cz_runtime_{uuid.uuid4().hex[:12]}"
    execute(f'CREATE ROLE "{name}" LOGIN')
    yield name
    connection.close()  # a connection the test left as the role
    execute(f'DROP OWNED BY "{name}"')  # its grants in this database, default grants included
    execute(f'DROP ROLE "{name}"')


def connect_as(role: str) -> psycopg.Connection:
    """A connection of its own to the test database as ``role``, beside the app's."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        user=role,
        autocommit=True,
    )


@contextmanager
def app_as(role: str):
    """The app's own database connection (services, pages, commands) made as ``role``."""
    settings = connection.settings_dict
    owner = settings["USER"]
    connection.close()
    settings["USER"] = role
    try:
        yield
    finally:
        connection.close()
        settings["USER"] = owner


def log_rows(world, client) -> None:
    """A row in each log: an operation, a login, a failed login."""
    station_services.station_update(acting_user=world.county, station=world.station_keng, version=0, fees="免费")
    client.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "keeper", "password": "wrong"})


def test_as_the_runtime_role_no_log_can_be_rewritten_deleted_emptied_or_unguarded(world, client, runtime_role):
    log_rows(world, client)
    call_command("grant_runtime", runtime_role)
    attempts = [
        "SET session_replication_role = replica",  # triggers skipped
        "CREATE OR REPLACE FUNCTION cunzhan_protect_log() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ "
        "LANGUAGE plpgsql",
        "UPDATE axes_accesslog SET username = 'someone'",  # only the logout time is written
        "UPDATE auditlog_logentry SET actor_id = NULL",
        "SELECT 1 FROM auditlog_logentry FOR UPDATE",
    ]
    for table, time_column in LOG_TABLES.items():
        attempts += [
            f"UPDATE {table} SET {time_column} = now()",  # noqa: S608  the log tables' own names
            f"DELETE FROM {table}",  # noqa: S608
            f"TRUNCATE {table}",
            f"ALTER TABLE {table} DISABLE TRIGGER ALL",
            f"ALTER TABLE {table} DISABLE TRIGGER USER",
            f"ALTER TABLE {table} DISABLE TRIGGER {table}_protect",
            f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate",
            f"ALTER TABLE {table} RENAME TO {table}_old",
            f"ALTER TABLE {table} OWNER TO CURRENT_USER",
            f"DROP TRIGGER {table}_protect ON {table}",
            f"DROP TABLE {table}",
        ]
    allowed = []
    with connect_as(runtime_role) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == runtime_role
        for statement in attempts:
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            allowed.append(statement)
        counts = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in LOG_TABLES]  # noqa: S608
    assert allowed == []
    assert all(counts), counts  # the role reads the logs (the log pages)
    assert guarded_log_tables() == set(LOG_TABLES)  # guards still in place


def guarded_log_tables() -> set[str]:
    """The log tables whose two guards are there and enabled."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN (c.relname || '_protect', c.relname || '_no_truncate') AND t.tgenabled = 'O' "
            "GROUP BY c.relname HAVING count(*) = 2"
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_app_works_as_the_runtime_role(world, client, runtime_role, tmp_path):
    call_command("grant_runtime", runtime_role)
    path = write_csv(tmp_path / "purchases.csv", PURCHASE_HEADER, purchase_rows())
    with app_as(runtime_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime_role
        # a login, a page that changes an account, the county's board, a logout
        assert client.post("/accounts/login/", {"username": "county", "password": PASSWORD}).status_code == 302
        assert client.post(f"/accounts/users/{world.keeper.pk}/deactivate/").status_code == 302
        assert client.get("/").status_code == 200
        assert client.post("/accounts/logout/").status_code == 302
        assert client.post("/accounts/login/", {"username": "operator", "password": "wrong"}).status_code == 200
        # services: a station's edit (row lock), a parcel in this month's partition, a file streamed by COPY
        station_services.station_update(acting_user=world.county, station=world.station_keng, version=0, fees="免费")
        parcel = entry_create(
            acting_user=world.operator,
            kind="parcel",
            station=world.station_keng,
            direction="in",
            carrier="邮政",
            tracking_no="SF0000000009",
            arrived_at=timezone.now(),
        )
        assert import_ledger(acting_user=world.operator, kind="purchase", source=path).rows_created == 4
        refresh_county("610828")  # reads the ledgers' sequences
        # what stays with the owner
        with pytest.raises(CommandError, match="属主角色"):
            call_command("purge_logs")
        month = f"{partitions.add_months(partitions.last_month(), 1):%Y-%m}"
        with pytest.raises(CommandError, match="属主角色"):
            call_command("ledger_partitions", "--from", month, "--to", month)

    world.keeper.refresh_from_db()
    assert not world.keeper.is_active
    assert LogEntry.objects.get_for_object(world.keeper).filter(actor=world.county).exists()
    assert LogEntry.objects.get_for_object(Station.objects.get(pk=world.station_keng.pk)).exists()
    assert LogEntry.objects.get_for_object(Parcel.objects.get(pk=parcel.pk)).exists()
    assert ProxyPurchase.objects.count() == 4
    login = AccessLog.objects.get(username="county")
    assert login.logout_time is not None  # the one column of a log row the app writes
    assert AccessFailureLog.objects.filter(username="operator").exists()


def test_grant_runtime_is_idempotent_and_takes_back_what_was_granted_beyond(world, runtime_role):
    execute(f'GRANT ALL ON auditlog_logentry, axes_accesslog TO "{runtime_role}"')
    call_command("grant_runtime", runtime_role)
    call_command("grant_runtime", runtime_role)
    assert privileges(runtime_role, "auditlog_logentry") == {"SELECT", "INSERT"}
    assert privileges(runtime_role, "axes_accesslog") == {"SELECT", "INSERT"}
    assert updatable_columns(runtime_role, "axes_accesslog") == ["logout_time"]
    assert updatable_columns(runtime_role, "auditlog_logentry") == []
    assert privileges(runtime_role, "stations_station") == set(BUSINESS)
    assert privileges(runtime_role, "django_migrations") == {"SELECT"}
    for partition in partitions.existing(connection.cursor(), "ledgers_parcel"):
        assert privileges(runtime_role, partition) == set(BUSINESS)
    # an identity column's value is drawn by the INSERT itself; the role only reads where it stands
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_sequence_privilege(%s, pg_get_serial_sequence('auditlog_logentry', 'id'), p) "
            "FROM unnest(ARRAY['SELECT', 'USAGE', 'UPDATE']) AS p",
            [runtime_role],
        )
        assert [row[0] for row in cursor.fetchall()] == [True, False, False]


def test_migrate_grants_when_the_runtime_role_is_named(world, runtime_role):
    with override_settings(DATABASE_RUNTIME_ROLE=runtime_role):
        call_command("migrate", verbosity=0)
    assert privileges(runtime_role, "auditlog_logentry") == {"SELECT", "INSERT"}
    assert privileges(runtime_role, "accounts_user") == set(BUSINESS)


def test_tables_the_owner_creates_later_come_with_the_grants(world, runtime_role):
    call_command("grant_runtime", runtime_role)
    month = partitions.add_months(partitions.last_month(), 1)
    call_command("ledger_partitions", "--from", f"{month:%Y-%m}", "--to", f"{month:%Y-%m}")
    try:
        for table in partitions.TABLES:
            assert privileges(runtime_role, partitions.partition_name(table, month)) == set(BUSINESS)
    finally:  # the months beyond the configured ones, which other tests of this database look for
        execute(f"DROP TABLE {', '.join(partitions.partition_name(table, month) for table in partitions.TABLES)}")


def test_a_restore_gives_the_runtime_role_its_grants_again(world, runtime_role, monkeypatch):
    call_command("grant_runtime", runtime_role)

    def restore(path, *, database=None):
        # pg_restore recreates the tables: they carry the owner's default grants, wider on the logs
        execute(f'GRANT ALL ON auditlog_logentry, axes_accesslog TO "{runtime_role}"')

    monkeypatch.setattr("cunzhan.core.management.commands.restore.restore", restore)
    with override_settings(DATABASE_RUNTIME_ROLE=runtime_role):
        call_command("restore", "cunzhan.backup", yes=True)
    assert privileges(runtime_role, "auditlog_logentry") == {"SELECT", "INSERT"}
    assert updatable_columns(runtime_role, "axes_accesslog") == ["logout_time"]


def test_grant_runtime_refuses_a_role_that_owns_or_bypasses(world, runtime_role):
    with pytest.raises(CommandError, match="超级用户"):
        call_command("grant_runtime", connection.settings_dict["USER"])  # the test database's superuser
    with pytest.raises(CommandError, match="不存在"):
        call_command("grant_runtime", f"{runtime_role}_missing")
    execute("CREATE TABLE owned_by_the_role (id int)")
    execute(f'ALTER TABLE owned_by_the_role OWNER TO "{runtime_role}"')
    with pytest.raises(CommandError, match="不能拥有任何对象"):
        call_command("grant_runtime", runtime_role)
    execute("DROP TABLE owned_by_the_role")
    execute(f'GRANT pg_write_all_data TO "{runtime_role}"')
    with pytest.raises(CommandError, match="pg_write_all_data"):
        call_command("grant_runtime", runtime_role)


def privileges(role: str, table: str) -> set[str]:
    kinds = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p FROM unnest(%s::text[]) AS p WHERE has_table_privilege(%s, %s::regclass, p)",
            [kinds, role, table],
        )
        return {row[0] for row in cursor.fetchall()}


def updatable_columns(role: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND has_column_privilege(%s, attrelid, attnum, 'UPDATE') ORDER BY attname",
            [table, role],
        )
        return [row[0] for row in cursor.fetchall()]
