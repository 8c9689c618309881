from __future__ import annotations

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.stations.selectors import get_station_for_user_or_404, stations_for_user

router = Router(tags=["服务站"])


class StationOut(Schema):
    code: str
    name: str
    tier: str
    status: str
    region_id: str
    county_code: str
    operating_unit_id: int | None
    is_demo: bool


@router.get("", response=list[StationOut], summary="我辖区内的服务站")
@paginate(LimitOffsetPagination)
def list_stations(request, status: str | None = None, tier: str | None = None, region: str | None = None):
    stations = stations_for_user(request.user)
    if status:
        stations = stations.filter(status=status)
    if tier:
        stations = stations.filter(tier=tier)
    if region:
        stations = stations.filter(region__code__startswith=region)
    return stations


@router.get("/{code}", response=StationOut, summary="一个服务站")
def get_station(request, code: str):
    return get_station_for_user_or_404(request.user, code)
