from __future__ import annotations

from django.db.models import Count, QuerySet

from cunzhan.stations.models import OperatingUnit, Station


def stations_for_user(user) -> QuerySet[Station]:
    user.scope.require("station.view")
    return user.scope.filter(Station.objects.select_related("region", "operating_unit"))


def get_station_for_user_or_404(user, code: str) -> Station:
    return user.scope.get_or_404(stations_for_user(user), code=code)


def station_counts_for_user(user) -> dict[str, int]:
    """Stations in scope by status, in one query."""
    rows = stations_for_user(user).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def operating_units_for_user(user) -> QuerySet[OperatingUnit]:
    user.scope.require("station.view")
    return user.scope.filter(OperatingUnit.objects.select_related("county"))
