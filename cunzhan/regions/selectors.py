from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cunzhan.regions.models import Level, Region

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User


def regions_for_user(user: User) -> QuerySet[Region]:
    user.scope.require("region.view")
    return user.scope.filter(Region.objects.all())


def home_region_for_user(user: User) -> Region | None:
    """The region at the top of the user's scope (None for a system administrator)."""
    code = user.scope.region_code
    return Region.objects.filter(code=code).first() if code else None


def get_region_for_user_or_404(user: User, code: str) -> Region:
    return user.scope.get_or_404(regions_for_user(user), code=code)


def children_for_user(user: User, region: Region | None) -> QuerySet[Region]:
    qs = regions_for_user(user)
    return qs.filter(parent=region) if region else qs.filter(level=1)


def home_county(user: User) -> Region | None:
    """The county the user's own binding lies in (a county office, operating unit, township supervisor
    or keeper); None for a user over several counties (a city, the province, an administrator)."""
    code = user.scope.region_code
    if user.scope.role is None or not code or len(code) < 6:
        return None
    return Region.objects.filter(code=code[:6], level=Level.COUNTY).first()


def county_choices(user: User) -> list[Region]:
    """The counties the user may look at, for a county selector (dashboards, statistics, ledgers)."""
    scope = user.scope
    if scope.role is None:
        return []
    prefix = scope.region_code or ""  # a keeper's is the station's region (accounts.services)
    if len(prefix) >= 6:
        return list(Region.objects.filter(code=prefix[:6]))
    return list(Region.objects.filter(level=Level.COUNTY, code__startswith=prefix).order_by("code"))


FIRST, ALL, ASK = "first", "all", "ask"


def county_for_user(
    user: User, requested: str | None = None, *, several: str = ASK, choices: list[Region] | None = None
) -> Region | None:
    """The county a page or an API call is about: the requested one when the user may see it; without
    one, the user's only county. For a user over several counties without a request, ``several`` says
    what the caller does: ``FIRST`` shows the first (a page with a county selector), ``ALL`` returns
    None (a board over all of them), ``ASK`` refuses (ValidationError, 422: the API, where the request
    is incomplete, not aimed at something hidden).

    A requested county outside the scope is 404 under ``ASK``; a page (``FIRST``, ``ALL``) goes on as if
    none had been requested, since its selector offers only what the user may see: nothing outside the
    scope is shown either way. With no county at all: 404 under ``ASK``, else None."""
    choices = county_choices(user) if choices is None else choices
    if requested:
        for county in choices:
            if county.code == requested:
                return county
        if several == ASK:
            raise Http404(_("未找到该县，或不在您的管辖范围内。"))
    if len(choices) == 1:
        return choices[0]
    if not choices:
        if several == ASK:
            raise Http404(_("您的管辖范围内没有县。"))
        return None
    if several == FIRST:
        return choices[0]
    if several == ALL:
        return None
    raise ValidationError({"county": [_("您管辖多个县，请用 county 参数给出县级区划代码。")]})
