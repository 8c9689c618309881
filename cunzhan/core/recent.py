"""Figures counted a moment ago, shown again: the county office's boards, charts and statistics.

An office keeps its board open and reloads it; each reload counting the whole county again made office
reads the dearest requests of a busy morning. :func:`recently_counted` keeps what was counted for
``DASHBOARD_CACHE_SECONDS`` (30 by default; 0 counts every time), per scope, question and language, so
two users see the same figures only if their scopes are the same. The pages say when it was counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from cunzhan.core import dates

T = TypeVar("T")


def recently_counted(user: Any, question: Iterable[Any], count: Callable[[], T]) -> T:
    """``count()``, or what it gave for the same user scope and ``question`` within the last
    ``DASHBOARD_CACHE_SECONDS``. ``question`` names everything the answer depends on besides the scope,
    the language and today's date (which are added here)."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return count()
    scope = user.scope
    parts = (
        "cunzhan.recent.v1",
        scope.role,
        scope.region_code,
        scope.operating_unit_id,
        scope.station_id,
        get_language(),
        dates.local_date(timezone.now()),
        *question,
    )
    return cache.get_or_set(":".join(str(part) for part in parts), count, seconds)
