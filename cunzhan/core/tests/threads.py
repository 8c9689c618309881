"""Helpers for tests of writes under way at the same time (PostgreSQL): work in another thread, on its
own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

WAIT = 20  # seconds: only ever reached when the code under test is wrong

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one writer in at a time: nothing can be under way"
)


def held_open(func: Callable[[], Any]) -> tuple[threading.Thread, threading.Event]:
    """Run ``func`` in another thread inside a transaction that stays open until the returned event
    is set; return once ``func`` has run (its rows, ids and locks exist, uncommitted)."""
    done, release = threading.Event(), threading.Event()

    def run():
        try:
            with transaction.atomic():
                func()
                done.set()
                assert release.wait(WAIT)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert done.wait(WAIT)
    return thread, release


def in_thread(func: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``func`` in another thread; the dict gets its ``value`` or its ``error`` when it ends."""
    outcome: dict[str, Any] = {}

    def run():
        try:
            outcome["value"] = func()
        except Exception as exc:  # the outcome is what is under test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome
