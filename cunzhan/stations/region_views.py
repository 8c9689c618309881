"""The region browser (/regions/): a region, the regions under it, and how many of the user's
stations it holds. It lives with the stations, which know their regions (regions know no app above them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.urls import path

from cunzhan.regions.selectors import children_for_user, get_region_for_user_or_404, home_region_for_user
from cunzhan.stations.selectors import stations_for_user


@login_required
def region_detail(request, code: str | None = None):
    user = request.user
    region = get_region_for_user_or_404(user, code) if code else home_region_for_user(user)
    children = children_for_user(user, region).annotate(n_children=Count("children"))
    stations = stations_for_user(user)
    if region:
        stations = stations.filter(region__code__startswith=region.code)
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "ancestors": [r for r in (region.ancestors() if region else []) if user.scope.covers_region(r.code)],
            "children": children,
            "station_count": stations.count(),
        },
    )


urlpatterns = [
    path("", region_detail, name="detail_root"),
    path("<str:code>/", region_detail, name="detail"),
]
