"""Django's ModelBackend, with the user of a session read by SQL written once.

Every page reads the user behind its session. Through the ORM that read compiled thirty columns and a
filter on each request, costing more Python than the page's own queries; the statement and the
checks are the same (an inactive user is not let back in).
"""

from __future__ import annotations

import functools

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from cunzhan.accounts.models import User


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user = next(iter(User.objects.raw(_user_sql(), [user_id])), None)
        return user if user is not None and self.user_can_authenticate(user) else None


@functools.cache
def _user_sql() -> str:
    table, key = connection.ops.quote_name(User._meta.db_table), connection.ops.quote_name(User._meta.pk.column)
    return f"SELECT * FROM {table} WHERE {key} = %s"  # noqa: S608  names from the model
