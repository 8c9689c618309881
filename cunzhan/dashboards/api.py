"""/api/v1/dashboards: the key figures and each chart's table, scoped like the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from cunzhan.core.replicas import replica_reads
from cunzhan.dashboards import selectors
from cunzhan.dashboards.charts import CHARTS, Where, recent_chart_table
from cunzhan.dashboards.selectors import Window
from cunzhan.regions.selectors import county_choices, county_for_user

router = Router(tags=["看板"])


def _figures(group: selectors.Group) -> dict[str, Any]:
    return {"stations": group.stations, "active": group.active, "idle": group.idle, **group.figures.as_dict()}


@router.get("/summary")
@replica_reads()
def summary(request, county: str | None = None, month: str | None = None) -> dict[str, Any]:
    """Key figures of one county at the caller's scope: the month and the year to date."""
    user = request.user
    now = timezone.now()
    region = county_for_user(user, county)
    board = selectors.recent_county_dashboard(user, region, Window.parse(month, now=now))
    return {
        "county": region.code,
        "month": board.window.slug,
        "month_figures": _figures(board.month),
        "year_to_date": _figures(board.ytd),
        "reports_month": vars(board.reports_month),
        "reports_year_to_date": vars(board.reports_ytd),
        "open_rectifications": board.open_rectifications,
        "zombie_stations": board.zombie_count,
        "grades": dict(board.grades),
        "computed_at": board.computed_at,
    }


@router.get("/charts/{name}")
@replica_reads()
def chart(request, name: str, county: str | None = None, month: str | None = None) -> dict[str, Any]:
    """One chart's table: ``columns``, ``rows`` and how the page draws it."""
    if name not in CHARTS:
        raise Http404(_("没有这个图表。"))
    user = request.user
    user.scope.require("statistics.view")
    now = timezone.now()
    choices = county_choices(user)
    # one county when asked for (404 outside the scope), else all the user's counties
    counties = [county_for_user(user, county, choices=choices)] if county else choices
    return recent_chart_table(
        name, Where(user=user, counties=counties, window=Window.parse(month, now=now), now=now)
    ).as_json()
