from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cunzhan import __version__
from cunzhan.dashboards.views import page_context
from cunzhan.notices.selectors import unread_count, unread_first
from cunzhan.notices.views import present
from cunzhan.regions.selectors import home_region_for_user
from cunzhan.stations.models import Status
from cunzhan.stations.selectors import station_counts_for_user


@login_required
def home(request):
    """The greeting and the role's dashboard (a keeper's: what is due and how the station stands)."""
    counts = station_counts_for_user(request.user)
    unread = unread_first(request.user, limit=5)
    return render(
        request,
        "site/home.html",
        {
            **page_context(request),
            "region": home_region_for_user(request.user),
            "station_total": sum(counts.values()),
            "station_rows": [(label, counts[value]) for value, label in Status.choices if counts.get(value)],
            # unread notices first, each phrased as what to do with its button (a keeper's phone: above all else)
            "home_notices": [present(n) for n in unread],
            "home_unread": unread_count(request.user) if unread else 0,
        },
    )


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # any failure means the database is not usable
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "error",
            "database": database,
            "vendor": connection.vendor,
            "version": __version__,
        },
        status=status,
    )
