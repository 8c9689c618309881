"""Reads that may be a moment stale go to a standby; everything else to the primary (issue 25).

Two database aliases (cunzhan/settings.py): ``default``, the primary, from ``DATABASE_URL`` — with a
Patroni cluster a libpq multi-host URL with ``target_session_attrs=read-write``, so that a new
connection reaches whichever node is primary now — and ``replica``, from ``DATABASE_REPLICA_URL``
(``target_session_attrs=prefer-standby``: a standby while one is up, the primary otherwise). Without
``DATABASE_REPLICA_URL`` the replica alias is the default database again, and nothing is routed to it.

What reads the replica is said where it is decided, by the view: ``@replica_reads()`` on the county
boards, the public pages and the exports — pages whose figures may lag the primary by the standby's
replay delay (milliseconds under the synchronous standby) without anyone being misled. Everything else
reads the primary: a keeper's own lists, which must show the entry just recorded, every form, and every
read inside a transaction on the primary (a service reading what it is about to change). Writes always
go to the primary, wherever the object was read.

    @replica_reads()
    def dashboard(request): ...

    with replica_reads():
        rows = list(selectors.summary(...))
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"

_stale_ok: ContextVar[bool] = ContextVar("cunzhan_replica_reads", default=False)


class replica_reads(ContextDecorator):
    """Within it, reads outside a transaction on the primary go to the replica alias."""

    _token: Token[bool] | None = None

    def __enter__(self) -> replica_reads:
        self._token = _stale_ok.set(True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _stale_ok.reset(self._token)
            self._token = None

    def _recreate_cm(self) -> replica_reads:
        # as a decorator, a fresh instance per call: one instance is shared by every thread of a worker
        return type(self)()


def routing_enabled() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICA_READS", False)) and REPLICA in settings.DATABASES


def reading_replica() -> bool:
    """Whether a read made now would go to the replica."""
    return _stale_ok.get() and routing_enabled() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the replica for reads inside :class:`replica_reads`, the primary otherwise.

    Both answers are given explicitly: left to Django, an object read from the replica would be
    saved to the replica too (its ``_state.db``), and its related objects read from there later."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return REPLICA if reading_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same database, seen from two aliases

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
