from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from cunzhan.stations.models import Status, Tier
from cunzhan.stations.selectors import get_station_for_user_or_404, stations_for_user


@login_required
def station_list(request):
    stations = stations_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        stations = stations.filter(Q(code__icontains=query) | Q(name__icontains=query))
    tier = request.GET.get("tier", "")
    if tier in Tier.values:
        stations = stations.filter(tier=tier)
    status = request.GET.get("status", "")
    if status in Status.values:
        stations = stations.filter(status=status)
    page = Paginator(stations, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "stations/list.html",
        {
            "page": page,
            "q": query,
            "tier": tier,
            "status": status,
            "tiers": Tier.choices,
            "statuses": Status.choices,
        },
    )


@login_required
def station_detail(request, code: str):
    station = get_station_for_user_or_404(request.user, code)
    return render(request, "stations/detail.html", {"station": station})
