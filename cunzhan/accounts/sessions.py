"""Database sessions whose idle timeout is renewed at most once a minute.

等保 asks that 30 minutes without activity end the session, so every request renews its expiry
(``SESSION_SAVE_EVERY_REQUEST``). With Django's database sessions that is an UPDATE and a commit on
every page view, reads included — under load as many writes again as the users' own. This store
rewrites an unchanged session only when its expiry would move by more than ``RENEW_AFTER``: a
session then ends between 29 and 30 minutes after the last activity, never later.

Enabled with ``SESSION_ENGINE = "cunzhan.accounts.sessions"``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends import db

RENEW_AFTER = timedelta(minutes=1)


class SessionStore(db.SessionStore):
    _stored_expiry = None

    def load(self):
        session = self._get_session_from_db()
        if session is None:
            return {}
        self._stored_expiry = session.expire_date
        return self.decode(session.session_data)

    def save(self, must_create: bool = False) -> None:
        if not must_create and self.session_key is not None and not self.modified:
            self._get_session()  # the row and its stored expiry, unless this request loaded them already
            if self._stored_expiry is not None and self.get_expiry_date() - self._stored_expiry < RENEW_AFTER:
                return
        super().save(must_create=must_create)
