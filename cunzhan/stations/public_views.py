"""The public station directory (no login): certified stations with what the public needs to
use them — hours, services, fees, complaint channel, public contact — and the stations under
publicity (公示). Never a person's data."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from cunzhan.core.replicas import replica_reads
from cunzhan.regions.models import Level, Region
from cunzhan.stations import lifecycle, selectors
from cunzhan.stations.models import Tier


@cache_control(public=True, max_age=300)
@replica_reads()
def directory(request):
    stations = selectors.public_stations()
    query = request.GET.get("q", "").strip()
    if query:
        stations = stations.filter(
            Q(name__icontains=query) | Q(region__name__icontains=query) | Q(address__icontains=query)
        )
    county = request.GET.get("county", "")
    if county.isdigit():
        stations = stations.filter(county_code=county)
    tier = request.GET.get("tier", "")
    if tier in Tier.values:
        stations = stations.filter(tier=tier)
    counties = Region.objects.filter(level=Level.COUNTY, code__in=selectors.public_stations().values("county_code"))
    return render(
        request,
        "stations/public/directory.html",
        {
            "page": Paginator(stations, 30).get_page(request.GET.get("page")),
            "q": query,
            "county": county,
            "tier": tier,
            "counties": counties,
            "tiers": Tier.choices,
            "section": "directory",
        },
    )


@cache_control(public=True, max_age=300)
@replica_reads()
def directory_detail(request, code: str):
    station = selectors.public_stations().filter(code=code).first()
    if station is None:
        raise Http404
    return render(request, "stations/public/detail.html", {"station": station, "section": "directory"})


@cache_control(public=True, max_age=300)
@replica_reads()
def publicity(request):
    rows = []
    settings_cache = {}
    for station in selectors.stations_in_publicity().order_by("publicity_started_at", "code"):
        county = settings_cache.setdefault(station.county_code, selectors.settings_for_county(station.county_code))
        started = station.publicity_started_at or station.status_changed_at
        # shown as the last whole day of publicity (公示期 D 至 D+N-1)
        last_day = lifecycle.local_date(started) + timedelta(days=county.publicity_days - 1) if started else None
        rows.append((station, started, last_day))
    return render(request, "stations/public/publicity.html", {"rows": rows, "section": "publicity"})
