"""The one scoping mechanism: what a user may see and change.

Every page, API endpoint, export and command asks the user's :class:`Scope`:

* ``scope.filter(queryset)`` keeps only the rows the user may see. Each scoped model
  registers the lookups that lead from its rows to a region code, an operating unit
  and a station (``register``); the role picks which of them applies.
* ``scope.require(permission)`` refuses an action the role may not take (403).
* ``scope.get_or_404(queryset, **lookup)``: rows outside the scope do not exist (404).
* ``scope.require_station(station)`` / ``scope.require_region(code)``: a service handed an object
  outside the scope (a station, a county) refuses it as not found, :class:`OutOfScope` (404), the
  same answer a page or the API gives for a row it cannot see. A region *code typed* into a form or
  an import file is input instead: its field says it is outside the scope (a ValidationError).

Region codes are hierarchical (each starts with its parent's), so "inside my region"
is a prefix match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cunzhan.core.roles import Role, role_has

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User


@dataclass(frozen=True)
class ScopePaths:
    """Lookups from a model's rows to what scoping needs.

    region: a lookup ending in a region code (``"region__code"``, ``"station__region__code"``).
    operating_unit / station: lookups to those foreign keys, when the model has them; a role
    bound to one of them falls back to its region when the model lacks the path.
    """

    region: str
    operating_unit: str | None = None
    station: str | None = None
    # rows that belong to a whole county (a scheme, an assessment, a training): users below the
    # county (township, village, operating unit) see their own county's rows; a keeper too, unless
    # the model names the keeper's station (a training: those the station must attend)
    county_level: bool = False
    # a lookup to the row's own county code, where the row carries one (the ledgers: always its
    # station's, set when the row is made; a station never changes region). A county's or wider scope
    # is then read by that code, from the rows' county index, instead of through every station of the
    # region; a scope below the county adds it to the station's region.
    county: str | None = None


_REGISTRY: dict[type[Model], ScopePaths] = {}
_M = TypeVar("_M", bound=Model)  # a scoped model
_R = TypeVar("_R")  # a row of its queryset: the model, or values()'s dicts and tuples


def register(model: type[Model], paths: ScopePaths) -> None:
    _REGISTRY[model] = paths


def paths_for(model: type[Model]) -> ScopePaths:
    try:
        return _REGISTRY[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered for scoping") from None


@dataclass(frozen=True)
class Scope:
    role: Role | None
    region_code: str | None  # None with ADMIN means everywhere
    operating_unit_id: int | None = None
    station_id: int | None = None
    user_id: int | None = None

    @classmethod
    def of(cls, user: User | AnonymousUser) -> Scope:
        if not user.is_authenticated or not user.is_active:
            return cls(role=None, region_code=None)
        role = Role(user.role)
        region_code = user.region_id
        if role == Role.ADMIN:
            region_code = None
        return cls(
            role=role,
            region_code=region_code,
            operating_unit_id=user.operating_unit_id,
            station_id=user.station_id,
            user_id=user.pk,
        )

    # -- permissions ---------------------------------------------------------------
    def can(self, permission: str) -> bool:
        return role_has(self.role, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(_("您的角色无权进行此操作。"))

    def require_to_record(self, permission: str, *, given: object | None, what: str) -> None:
        """:meth:`require` for a record the system stamps itself: the moment it is made (a report's
        submission, a fault's report or repair …) and the account making it (an inspection's
        inspector). ``given``: that value given by the caller instead. Then the record is history the
        county brings (历史导入), which takes ``history.import``, held by the county office and the
        administrator only; everyone else is refused (403). ``what`` names the field, e.g. “报修时间”."""
        if given is None:
            self.require(permission)
        elif not self.can("history.import"):
            message = _("%(what)s只能由县电商办补录历史数据（历史导入）时填写；其他账号以系统记录的为准。")
            raise PermissionDenied(message % {"what": what})

    # -- rows ----------------------------------------------------------------------
    def condition(self, model: type[Model]) -> Q | None:
        """The filter for ``model``; None means no restriction, ``Q(pk__in=[])`` nothing."""
        if self.role is None:
            return Q(pk__in=[])
        if self.role == Role.ADMIN:
            return None
        paths = paths_for(model)
        if self.role == Role.KEEPER and paths.station:
            return Q(**{paths.station: self.station_id}) if self.station_id else Q(pk__in=[])
        if paths.county_level and self.region_code and len(self.region_code) > 6:
            return Q(**{paths.region: self.region_code[:6]})
        if self.role == Role.OPERATOR and paths.operating_unit:
            if not self.operating_unit_id:
                return Q(pk__in=[])
            return Q(**{paths.operating_unit: self.operating_unit_id}) & self._region_q(paths)
        return self._region_q(paths)

    def _region_q(self, paths: ScopePaths) -> Q:
        if not self.region_code:
            return Q(pk__in=[])
        code = self.region_code
        if paths.county and len(code) <= 6:
            # a county or wider: the row's own county code says it all, with no join to the station
            return Q(**{paths.county: code}) if len(code) == 6 else Q(**{f"{paths.county}__startswith": code})
        condition = Q(**{f"{paths.region}__startswith": code})
        if paths.county:
            condition &= Q(**{paths.county: code[:6]})
        return condition

    def filter(self, queryset: QuerySet[_M, _R]) -> QuerySet[_M, _R]:
        condition = self.condition(queryset.model)
        return queryset if condition is None else queryset.filter(condition)

    def get_or_404(self, queryset: QuerySet[_M, _R], **lookup: Any) -> _R:
        try:
            return self.filter(queryset).get(**lookup)
        except ObjectDoesNotExist:  # the queryset's model's DoesNotExist
            raise OutOfScope(_("未找到，或不在您的管辖范围内。")) from None

    def exists_or_404(self, queryset: QuerySet, **lookup: Any) -> None:
        """:meth:`get_or_404` for a caller that holds the row already and only needs to know it is in
        scope: one EXISTS, without reading and building the row again."""
        if not self.filter(queryset).filter(**lookup).exists():
            raise OutOfScope(_("未找到，或不在您的管辖范围内。"))

    def covers_station(self, station: Any) -> bool:
        """What :meth:`filter` decides for a station, from the station already read: no query. The
        busiest writes (a ledger entry) are checked with it."""
        if self.role is None:
            return False
        if self.role == Role.KEEPER:
            return bool(self.station_id) and station.pk == self.station_id
        if self.role == Role.OPERATOR and (
            not self.operating_unit_id or station.operating_unit_id != self.operating_unit_id
        ):
            return False
        return self.covers_region(station.region_id)

    def covers_region(self, code: str) -> bool:
        """Whether a region code lies inside this scope's region."""
        if self.role == Role.ADMIN:
            return True
        return bool(self.region_code and code.startswith(self.region_code))

    def require_station(self, station: Any) -> None:
        """OutOfScope unless the station is in scope (:meth:`covers_station`, no query)."""
        if not self.covers_station(station):
            raise OutOfScope(_("服务站 %(code)s 不存在或不在您的管辖范围内。") % {"code": station.code})

    def require_region(self, code: str) -> None:
        """OutOfScope unless the region (e.g. a county acted for) lies in the scope."""
        if not self.covers_region(code):
            raise OutOfScope(_("区划 %(code)s 不存在或不在您的管辖范围内。") % {"code": code})


class OutOfScope(Http404):
    """An object outside the acting user's scope: for them it does not exist (404, not 403)."""


def scope_of(user: User) -> Scope:
    """The user's scope, computed once per user object."""
    cached: Scope | None = getattr(user, "_cunzhan_scope", None)
    if cached is None:
        cached = Scope.of(user)
        if user.is_authenticated:
            # an attribute of this instance only, not a field of the model
            user._cunzhan_scope = cached  # type: ignore[attr-defined]
    return cached
