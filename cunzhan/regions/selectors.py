from __future__ import annotations

from django.db.models import QuerySet

from cunzhan.regions.models import Region


def regions_for_user(user) -> QuerySet[Region]:
    user.scope.require("region.view")
    return user.scope.filter(Region.objects.all())


def home_region_for_user(user) -> Region | None:
    """The region at the top of the user's scope (None for a system administrator)."""
    code = user.scope.region_code
    return Region.objects.filter(code=code).first() if code else None


def get_region_for_user_or_404(user, code: str) -> Region:
    return user.scope.get_or_404(regions_for_user(user), code=code)


def children_for_user(user, region: Region | None) -> QuerySet[Region]:
    qs = regions_for_user(user)
    return qs.filter(parent=region) if region else qs.filter(level=1)
