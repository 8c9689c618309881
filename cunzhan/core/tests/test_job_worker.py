"""A worker killed with SIGKILL in the middle of a job: nothing of the job is left half done, and the job is
taken again — by the next worker to start, once the dead one's lease has passed — and done once.

Real processes throughout: a Huey consumer (``run_huey``) on a queue file and a database file of their
own, killed inside the import's transaction (every row written, none committed), then a second consumer.
Huey alone would lose this job: its queue drops a message once a worker has taken it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection

from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv

ROOT = Path(__file__).resolve().parents[3]
ROWS = 20_000


def _rows(count: int) -> list[list]:
    base = purchase_rows()
    return [[*base[i % 4][:2], f"商品{i}", *base[i % 4][3:]] for i in range(count)]


def _child(mode: str, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cunzhan.core.tests.job_child", mode, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(child: subprocess.Popen, text: str, seconds: float = 180) -> str:
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        seen.append(line)
        if text in line:
            return line
        if not line and child.poll() is not None:
            break
    raise AssertionError(f"no {text!r} from the child:\n{''.join(seen)[-3000:]}")


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    child.stdout.close()


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="its worker processes share an SQLite file the test makes: the PostgreSQL pass would run it again as is",
)
def test_a_worker_killed_mid_job_leaves_nothing_half_done_and_the_job_is_done_once_by_the_next(tmp_path):
    database = tmp_path / "jobs.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cunzhan.settings_test",
        "DATABASE_URL": f"sqlite:///{database}",
        "HUEY_FILE": str(tmp_path / "queue.sqlite3"),
        "HUEY_IMMEDIATE": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "JOB_LEASE_SECONDS": "3",
        "PYTHONPATH": str(ROOT),
    }
    source = write_csv(tmp_path / "big.csv", PURCHASE_HEADER, _rows(ROWS))
    setup = _child("setup", env, str(source))
    job = int(_wait_for(setup, "JOB ").split()[1])
    assert setup.wait(timeout=120) == 0
    setup.stdout.close()

    def read(sql: str, *args: object) -> tuple:
        with sqlite3.connect(database) as db:
            return db.execute(sql, args).fetchone()

    first = _child("stalling", env)
    try:
        _wait_for(first, "ROWS WRITTEN, NOT COMMITTED")
        assert read("SELECT state, attempts FROM core_job WHERE id = ?", job) == ("running", 1)
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        _stop(first)
    # nothing of the killed attempt is left; the job still says running, its lease running out
    assert read("SELECT count(*) FROM ledgers_proxypurchase") == (0,)
    assert read("SELECT count(*) FROM ledgers_importbatch") == (0,)
    (lease,) = read("SELECT lease_until FROM core_job WHERE id = ?", job)
    wait = (datetime.fromisoformat(lease).replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()
    time.sleep(max(wait, 0) + 0.5)

    second = _child("worker", env)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and read("SELECT state FROM core_job WHERE id = ?", job) != ("done",):
            time.sleep(0.5)
    finally:
        _stop(second)
    state, attempts, result = read("SELECT state, attempts, result FROM core_job WHERE id = ?", job)
    assert (state, attempts) == ("done", 2), result
    assert read("SELECT count(*) FROM ledgers_proxypurchase") == (ROWS,)
    assert read("SELECT count(*) FROM ledgers_importbatch") == (1,)
