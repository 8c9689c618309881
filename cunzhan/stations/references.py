"""The places every import template lists on its 参考 sheet (cunzhan.core.import_templates): the county's
townships and villages with their codes, its operating units and its stations, so that whoever fills in
a template of any kind (stations, accounts, ledgers, attendance, assets, history) finds the county's real
names and codes beside it, not only those its own columns draw a drop-down list from.

What is listed is what the downloading user may see: the stations and units through the user's scope
(a keeper's template lists the keeper's station), the regions of the county, which are public."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from cunzhan.core.import_templates import ReferenceList
from cunzhan.regions.models import Level, Region
from cunzhan.regions.selectors import home_county
from cunzhan.stations.models import Station
from cunzhan.stations.selectors import active_operating_units_for_user

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User

TOWNSHIPS, VILLAGES, UNITS, STATIONS = "乡镇", "村", "运营单位", "站点编码"
LISTED = 5000  # of each kind (a county has a few hundred villages and stations)


@dataclass(frozen=True)
class Places:
    """A county's places as a template lists them: (code, name) pairs, unit names."""

    townships: list[tuple[str, str]]
    villages: list[tuple[str, str]]
    units: list[str]
    stations: list[tuple[str, str]]

    def lists(self, *, omit: Collection[str] = (), stations_title: str = STATIONS) -> list[ReferenceList]:
        """The reference lists, but those titled in ``omit`` (a template that lists them already under
        that title, as the list its column's drop-down draws from)."""
        lists = [
            ReferenceList(
                TOWNSHIPS, [c for c, _n in self.townships], note=_("乡镇名称"), labels=[n for _c, n in self.townships]
            ),
            ReferenceList(
                VILLAGES, [c for c, _n in self.villages], note=_("村名称"), labels=[n for _c, n in self.villages]
            ),
            ReferenceList(UNITS, self.units),
            ReferenceList(
                stations_title,
                [c for c, _n in self.stations],
                note=_("站点名称"),
                labels=[n for _c, n in self.stations],
            ),
        ]
        return [ref for ref in lists if ref.title not in omit]


def places_for(user: User, county: Region | None = None) -> Places:
    """The places of ``county`` as ``user`` sees them; without a county, the user's own (or, for a user
    over several counties, the county of the first station in scope)."""
    county = county or home_county(user) or _first_county(user)
    if county is None:
        return Places([], [], [], [])
    regions = Region.objects.filter(code__startswith=county.code, level__in=[Level.TOWNSHIP, Level.VILLAGE])
    townships, villages = [], []
    names = dict(regions.filter(level=Level.TOWNSHIP).values_list("code", "name"))
    for code, name, level in regions.order_by("code").values_list("code", "name", "level")[: LISTED * 2]:
        if level == Level.TOWNSHIP:
            townships.append((code, name))
        elif len(villages) < LISTED:
            # a village's name is often shared within a county: its township says which
            township = names.get(code[:9])
            villages.append((code, f"{name}（{township}）" if township else name))
    units = active_operating_units_for_user(user).filter(county=county).order_by("name")
    stations = user.scope.filter(Station.objects.filter(county_code=county.code)).order_by("code")
    return Places(
        townships=townships,
        villages=villages,
        units=list(units.values_list("name", flat=True)[:LISTED]),
        stations=list(stations.values_list("code", "name")[:LISTED]),
    )


def _first_county(user: User) -> Region | None:
    code = user.scope.filter(Station.objects.order_by("code")).values_list("county_code", flat=True).first()
    return Region.objects.filter(code=code).first() if code else None
