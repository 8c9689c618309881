"""Operation log helpers. Data changes are logged by django-auditlog (who, when, from where,
before and after) inside the same transaction as the change; web requests get the actor from
its middleware, commands and services called outside a request use :func:`acting`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from auditlog.context import auditlog_value, set_actor
from auditlog.models import LogEntry


@contextlib.contextmanager
def acting(user: Any, remote_addr: str | None = None) -> Iterator[None]:
    """Attribute the log entries written inside the block to ``user``."""
    if user is None:
        yield
        return
    previous = auditlog_value.get(None)
    # within a request by the same user, keep the address the middleware saw
    same_request = previous is not None and previous.get("actor") == user
    address = remote_addr or (previous.get("remote_addr") if same_request else None)
    try:
        with set_actor(user, remote_addr=address):
            yield
    finally:
        if previous is not None:
            auditlog_value.set(previous)  # later saves in the same request keep the request's context


def log_event(*, actor: Any, obj: Any, message: str, data: dict | None = None) -> LogEntry:
    """Log a business action that is not a plain field change (e.g. a bulk import, an unlock)."""
    return LogEntry.objects.log_create(
        obj,
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=actor,
        additional_data={"event": message, **(data or {})},
        force_log=True,
    )
