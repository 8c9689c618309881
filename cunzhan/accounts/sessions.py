"""Database sessions whose idle timeout is renewed at most once a minute.

等保 asks that 30 minutes without activity end the session, so every request renews its expiry
(``SESSION_SAVE_EVERY_REQUEST``). With Django's database sessions that is an UPDATE and a commit on
every page view, reads included — under load as many writes again as the users' own. This store
rewrites an unchanged session only when its expiry would move by more than ``RENEW_AFTER``: a
session then ends between 29 and 30 minutes after the last activity, never later.

The session is read by SQL written once: every page reads it, and through the ORM the read cost
more Python than many a page's own queries. Enabled with ``SESSION_ENGINE = "cunzhan.accounts.sessions"``.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

RENEW_AFTER = timedelta(minutes=1)


class SessionStore(db.SessionStore):
    _stored_expiry = None

    def load(self):
        session = self._get_session_from_db()
        if session is None:
            return {}
        self._stored_expiry = session.expire_date
        return self.decode(session.session_data)

    def _get_session_from_db(self):
        """The stored session unless it has expired (what Django's store asks, without the ORM)."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        session = next(iter(Session.objects.raw(_session_sql(), [self.session_key, now])), None)
        if session is None:
            self._session_key = None
        return session

    def save(self, must_create: bool = False) -> None:
        if not must_create and self.session_key is not None and not self.modified:
            self._get_session()  # the row and its stored expiry, unless this request loaded them already
            if self._stored_expiry is not None and self.get_expiry_date() - self._stored_expiry < RENEW_AFTER:
                return
        super().save(must_create=must_create)


@functools.cache
def _session_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {quote('session_key')}, {quote('session_data')}, {quote('expire_date')} "  # noqa: S608
        f"FROM {quote(Session._meta.db_table)} WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
    )
