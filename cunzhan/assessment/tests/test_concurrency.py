"""A ledger import and an assessment running at the same time, each on its own connection as two
requests would be: the assessment counts the ledgers either wholly before the import or wholly after
it, never half of each."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
from django.db import connection

from cunzhan.assessment import computation, facts, services
from cunzhan.assessment.tests.test_services import certify, inspect
from cunzhan.core.dates import SHANGHAI
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, write_csv

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite lets one writer in at a time: an import and an assessment cannot interleave there",
    ),
    # each thread's work commits on its own connection, as in production
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2026, 1, 20, 10, 0, tzinfo=SHANGHAI)
WAIT = 20  # seconds: a generous bound for any step; the test normally takes well under one


def purchase_file(tmp_path):
    """200 purchases at 坑镇's station in each half of 2025: its half-year target, so items 7 and 8
    score differently before and after the import, in both halves."""
    rows = [
        ["JX-0001", day, f"化肥 {i}", 1, 10, "拼多多", "", "", ""]
        for day in (date(2025, 3, 2), date(2025, 9, 2))
        for i in range(200)
    ]
    return write_csv(tmp_path / "purchases.csv", PURCHASE_HEADER, rows)


def results(assessment) -> dict[str, tuple]:
    return {r.station.code: (r.status, r.total, r.h1, r.h2) for r in assessment.results.select_related("station")}


def import_waits_for_a_lock() -> bool:
    """Whether another connection is queued on an advisory lock (the importer's county lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture(autouse=True)
def no_report_duties(monkeypatch):
    monkeypatch.setattr("cunzhan.assessment.evidence.report_lapses", lambda *args, **kwargs: {})


@pytest.mark.parametrize("period", ["H1", "annual"])
def test_an_assessment_and_an_import_at_once_count_the_ledgers_before_or_after_it_never_half(
    world, tmp_path, monkeypatch, period
):
    county = world.regions["610828"]
    for station in (world.station_keng, world.station_dian):
        certify(station)
        for half in ("H1", "H2"):
            inspect(station, world.supervisor, half=half)

    def compute():
        return services.assessment_compute(acting_user=world.county, county=county, year=2025, period=period, now=NOW)

    before = results(compute())

    # Make the interleaving certain rather than lucky: the assessment pauses after it has gathered its
    # first facts (for the annual composite: H1's, before H2's) until the import has either committed or
    # is queued behind a lock. (Before the assessment took the importer's lock, the annual composite came
    # out mixed here: H1 from before the import, H2 from after it.)
    first_gathered, import_finished = threading.Event(), threading.Event()
    gather = facts.gather_period_many

    def pausing_gather(*args, **kwargs):
        gathered = gather(*args, **kwargs)
        if threading.current_thread().name == "assessment" and not first_gathered.is_set():
            first_gathered.set()
            deadline = time.monotonic() + WAIT
            while not import_finished.is_set() and not import_waits_for_a_lock() and time.monotonic() < deadline:
                time.sleep(0.02)
        return gathered

    # the name is looked up in both modules: compute_period → facts.gather_period, H1/H2 → computation._gather
    monkeypatch.setattr(facts, "gather_period_many", pausing_gather)
    monkeypatch.setattr(computation, "gather_period_many", pausing_gather)
    outcome: dict[str, object] = {}

    def run(name, work):
        try:
            outcome[name] = work()
        except BaseException as exc:  # reported by the main thread
            outcome[name] = exc
        finally:
            if name == "import":
                import_finished.set()
            connection.close()

    def do_import():
        assert first_gathered.wait(WAIT), "the assessment never gathered its facts"
        return import_ledger(acting_user=world.keeper, kind="purchase", source=purchase_file(tmp_path))

    threads = [
        threading.Thread(target=run, args=("assessment", lambda: results(compute())), name="assessment"),
        threading.Thread(target=run, args=("import", do_import), name="import"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * WAIT)
    assert not any(thread.is_alive() for thread in threads), "deadlock"
    for name in ("assessment", "import"):
        assert not isinstance(outcome[name], BaseException), (name, outcome[name])
    assert outcome["import"].rows_created == 400 and ProxyPurchase.objects.count() == 400

    for module in (facts, computation):
        monkeypatch.setattr(module, "gather_period_many", gather)
    after = results(compute())
    assert before != after  # the import matters to the scores, so a mix would show
    assert outcome["assessment"] in (before, after)
