from __future__ import annotations

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.regions.selectors import children_for_user, get_region_for_user_or_404, regions_for_user

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_id: str | None


@router.get("", response=list[RegionOut], summary="我辖区内的行政区划")
@paginate(LimitOffsetPagination)
def list_regions(request, level: int | None = None, parent: str | None = None):
    regions = regions_for_user(request.user)
    if level is not None:
        regions = regions.filter(level=level)
    if parent is not None:
        regions = regions.filter(parent_id=parent)
    return regions


@router.get("/{code}", response=RegionOut, summary="一个行政区划")
def get_region(request, code: str):
    return get_region_for_user_or_404(request.user, code)


@router.get("/{code}/children", response=list[RegionOut], summary="下级行政区划")
def region_children(request, code: str):
    region = get_region_for_user_or_404(request.user, code)
    return list(children_for_user(request.user, region))
