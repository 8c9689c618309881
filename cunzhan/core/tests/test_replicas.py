"""Read routing (cunzhan/core/replicas.py) and the answer to a lost database (issue 25).

With routing on (``DATABASE_REPLICA_URL`` set in production; ``DATABASE_REPLICA_READS`` here), the
stale-tolerant pages — the county board, the public directory and rankings, the exports — read the
``replica`` alias, while the session, the user, every write and a keeper's own lists stay on the
primary. In the suite the replica alias is a test mirror of the default database: its own connection
to the same database, so which alias a query went through is seen by capturing each connection's
queries. Transactional tests: a second connection sees only committed rows.
"""

from __future__ import annotations

import threading

import pytest
from django.db import DEFAULT_DB_ALIAS, InternalError, OperationalError, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cunzhan.core.errors import database_unavailable
from cunzhan.core.replicas import REPLICA, ReplicaRouter, reading_replica, replica_reads
from cunzhan.ledgers.models import ConvenienceService
from cunzhan.stations.models import Station

routed_db = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@pytest.fixture
def routed(settings):
    settings.DATABASE_REPLICA_READS = True


def by_alias(call):
    """The response and the SQL each alias ran for it."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = call()
    return response, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in replica.captured_queries]


def ran_on(queries: list[str], table: str) -> bool:
    return any(table in sql for sql in queries)


@routed_db
def test_the_stale_tolerant_pages_read_the_replica(world, login, routed):
    client = login(world.county)
    for path in (
        "/dashboards/?county=610828",
        "/dashboards/charts/trend.json?county=610828",
        "/api/v1/dashboards/summary?county=610828",
        "/reports/statistics/?county=610828",
        "/stations/export/register.xlsx",
    ):
        response, primary, replica = by_alias(lambda p=path: client.get(p))
        assert response.status_code == 200, path
        assert replica, f"{path} read nothing from the replica"
        # who is asking is read on the primary: a session or an account just changed is never stale
        assert ran_on(primary, "django_session") and not ran_on(replica, "django_session"), path
        assert ran_on(primary, "accounts_user"), path

    anonymous = Client()
    for path in ("/directory/", "/directory/JX-0001/", "/public/assessments/"):
        response, primary, replica = by_alias(lambda p=path: anonymous.get(p))
        assert response.status_code == 200, path
        assert ran_on(replica, "stations_station") or ran_on(replica, "assessment"), path
        assert primary == [], f"{path} read the primary: {primary}"


@routed_db
def test_writes_and_a_keepers_own_lists_use_the_primary(world, login, routed):
    client = login(world.keeper)
    body = {
        "station": "JX-0001",
        "direction": "in",
        "carrier": "中通",
        "tracking_no": "ZT-REPLICA-1",
        "arrived_at": "2026-03-02T09:00:00+08:00",
    }
    response, primary, replica = by_alias(
        lambda: client.post("/api/v1/ledgers/parcel", body, content_type="application/json")
    )
    assert response.status_code == 201, response.content
    assert ran_on(primary, "INSERT INTO") and replica == []

    # read-your-own-writes: the list the keeper opens next comes from the primary and shows the entry
    for path in ("/api/v1/ledgers/parcel?station=JX-0001", "/ledgers/parcel/", "/ledgers/"):
        response, primary, replica = by_alias(lambda p=path: client.get(p))
        assert response.status_code == 200, path
        assert replica == [], f"{path} read the replica: {replica}"
        assert ran_on(primary, "ledgers_parcel") or path == "/ledgers/", path
    assert "ZT-REPLICA-1" in client.get("/ledgers/parcel/").content.decode()


@routed_db
def test_inside_a_transaction_reads_stay_on_the_primary_and_writes_always_do(world, routed):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Station) == REPLICA
        station = Station.objects.get(code="JX-0001")
        assert station._state.db == REPLICA
        # an object read from the replica is saved to the primary; a write is a service's transaction
        # (one per business action), inside which every read — the operation log's "before" too — is
        # the primary's
        assert router.db_for_write(Station, instance=station) == DEFAULT_DB_ALIAS
        station.name = "改名站"

        def save():
            with transaction.atomic():
                assert not reading_replica()
                assert router.db_for_read(Station) == DEFAULT_DB_ALIAS
                station.save(update_fields=["name"])

        _response, primary, replica = by_alias(save)
        assert ran_on(primary, "UPDATE") and replica == []
        assert reading_replica()
    assert router.db_for_read(Station) == DEFAULT_DB_ALIAS
    assert Station.objects.get(code="JX-0001").name == "改名站"


@routed_db
def test_without_a_replica_url_every_read_goes_to_the_primary(world, login, settings):
    settings.DATABASE_REPLICA_READS = False
    client = login(world.county)
    response, primary, replica = by_alias(lambda: client.get("/dashboards/?county=610828"))
    assert response.status_code == 200
    assert replica == [] and primary


def test_replica_reads_as_a_decorator_is_per_call_and_per_thread(settings):
    settings.DATABASE_REPLICA_READS = True
    seen: dict[str, bool] = {}
    inside, leave = threading.Event(), threading.Event()

    @replica_reads()
    def stale_tolerant():
        seen["inside"] = reading_replica()
        inside.set()
        leave.wait(5)

    worker = threading.Thread(target=stale_tolerant)
    worker.start()
    inside.wait(5)
    seen["other thread meanwhile"] = reading_replica()  # the decorator's one instance set nothing here
    leave.set()
    worker.join()
    assert seen == {"inside": True, "other thread meanwhile": False}
    assert not reading_replica()


# -- a lost database answers 503 ---------------------------------------------------------------------


def lost(*_args, **_kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_a_page_that_loses_its_database_answers_503_with_retry_after(world, login, monkeypatch):
    client = login(world.county)
    monkeypatch.setattr("cunzhan.dashboards.views.page_context", lost)
    response = client.get("/dashboards/?county=610828")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "系统正在切换数据库" in response.content.decode()


@pytest.mark.django_db
def test_an_api_write_that_loses_its_database_answers_503_and_saves_nothing(world, monkeypatch):
    client = Client()
    client.force_login(world.keeper)
    monkeypatch.setattr("cunzhan.ledgers.services.lock_county", lost)  # mid-transaction, after the checks
    body = {"station": "JX-0001", "occurred_on": "2026-03-02", "service_kind": "payment", "amount": "5.00"}
    response = client.post("/api/v1/ledgers/service", body, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "重试" in response.json()["detail"]
    assert not ConvenienceService.objects.exists()


@pytest.mark.django_db
def test_a_session_lost_with_the_database_is_503_not_500(world, login, monkeypatch):
    """The session is read by a middleware, outside any view: handler500 gives the 503."""
    client = Client(raise_request_exception=False)
    client.force_login(world.county)
    monkeypatch.setattr("cunzhan.accounts.sessions.SessionStore.load", lost)
    for path, json in (("/dashboards/", False), ("/api/v1/dashboards/summary", True)):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Retry-After"] == "5"
        if json:
            assert "主备切换" in response.json()["detail"]
        else:
            assert "系统正在切换数据库" in response.content.decode()


@pytest.mark.django_db
def test_other_database_errors_are_still_500(world, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(world.county)

    def broken(*_args, **_kwargs):
        raise InternalError("something else")

    monkeypatch.setattr("cunzhan.dashboards.views.page_context", broken)
    assert client.get("/dashboards/").status_code == 500


def test_what_counts_as_the_database_gone():
    import psycopg

    assert database_unavailable(OperationalError("could not connect to server"))
    demoted = InternalError("cannot execute INSERT in a read-only transaction")
    demoted.__cause__ = psycopg.errors.ReadOnlySqlTransaction("read-only")
    assert database_unavailable(demoted)
    other = InternalError("x")
    other.__cause__ = psycopg.errors.InFailedSqlTransaction("aborted")
    assert not database_unavailable(other)
    assert not database_unavailable(ValueError("not the database"))


@pytest.mark.django_db
def test_a_token_check_that_loses_the_database_is_503(monkeypatch):
    """The phone app's token is checked before the operation runs: its lost database is a 503 too."""
    monkeypatch.setattr("cunzhan.site.api.token_authenticate", lost)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/ledgers/parcel", headers={"Authorization": "Bearer cz_whatever"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "重试" in response.json()["detail"]
