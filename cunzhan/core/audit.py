"""Operation log helpers. Data changes are logged by django-auditlog (who, when, from where,
before and after) inside the same transaction as the change; web requests get the actor from
its middleware, commands and services called outside a request use :func:`acting`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from auditlog.context import auditlog_value, set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The business events written with :func:`log_event`, by the name stored in the entry, with the label
# the operation log shows (cunzhan/accounts/logs.py). A name not here is refused: the log never shows
# a code. Names already stored stay as they are (some have a space).
EVENTS = {
    "ledger_export": _("导出台账"),
    "import": _("批量导入台账"),
    "station import": _("批量导入服务站"),
    "asset import": _("批量导入资产"),
    "account import": _("批量导入账号"),
    "attendance_import": _("导入出勤表"),
    "history_import": _("导入历史记录"),
    "correction": _("更正"),
    "unlock": _("解除锁定"),
    "adhoc_request_create": _("发起报表要求"),
    "report_chase": _("催报"),
}


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


def log_updates(pairs: list[tuple[Any, Any]]) -> None:
    """The operation log's entries for rows changed by one ``bulk_update``, as django-auditlog writes
    them for a saved row (its own diff of the values before and after; the actor and address from
    :func:`acting` or the request), without reading each row back first as its signal does.
    ``pairs``: (a copy of the row before, the row after)."""
    for before, after in pairs:
        changes = model_instance_diff(before, after, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES)
        if changes:
            LogEntry.objects.log_create(after, action=LogEntry.Action.UPDATE, changes=changes)


def log_event(*, actor: Any, obj: Any, message: str, data: dict | None = None) -> LogEntry:
    """Log a business action that is not a plain field change (e.g. a bulk import, an unlock);
    ``message`` is the event's name, one of :data:`EVENTS`."""
    if message not in EVENTS:
        raise ValueError(f"an audit event without a label in cunzhan.core.audit.EVENTS: {message!r}")
    return LogEntry.objects.log_create(
        obj,
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=actor,
        additional_data={"event": message, **(data or {})},
        force_log=True,
    )
