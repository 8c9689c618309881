"""Every write to accounts: one function per business action, one transaction each."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import ApiToken, User, hash_token
from cunzhan.core.audit import acting, log_event
from cunzhan.core.roles import GRANTABLE, Role
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import OperatingUnit, Station

REGION_LEVELS: dict[Role, tuple[Level, ...]] = {
    Role.COUNTY_OFFICE: (Level.COUNTY,),
    Role.SUPERVISOR: (Level.TOWNSHIP, Level.VILLAGE),
    Role.VIEWER: (Level.PROVINCE, Level.CITY),
}


def _binding(
    *, role: Role, region: Region | None, operating_unit: OperatingUnit | None, station: Station | None
) -> tuple[Region | None, OperatingUnit | None, Station | None]:
    """Check that the role has what it needs and nothing it must not have; return the binding."""
    if role == Role.KEEPER:
        if station is None:
            raise ValidationError({"station": _("站长账号须绑定一个服务站。")})
        return station.region, None, station
    if role == Role.OPERATOR:
        if operating_unit is None:
            raise ValidationError({"operating_unit": _("运营单位账号须绑定一个运营单位。")})
        return operating_unit.county, operating_unit, None
    if role == Role.ADMIN:
        return region, None, None
    levels = REGION_LEVELS[role]
    if region is None or region.level not in levels:
        names = "、".join(str(Level(lv).label) for lv in levels)
        raise ValidationError({"region": _("该角色须绑定%(levels)s级区划。") % {"levels": names}})
    return region, None, None


def _check_grant(actor: User, role: Role, region: Region | None) -> None:
    actor_role = Role(actor.role)
    if role not in GRANTABLE.get(actor_role, frozenset()):
        raise ValidationError({"role": _("您无权创建或修改“%(role)s”角色的账号。") % {"role": role.label}})
    if actor_role != Role.ADMIN and (region is None or not actor.scope.covers_region(region.code)):
        raise ValidationError({"region": _("只能管理本辖区内的账号。")})


@transaction.atomic
def user_create(
    *,
    acting_user: User,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    region: Region | None = None,
    operating_unit: OperatingUnit | None = None,
    station: Station | None = None,
    phone: str = "",
    is_demo: bool = False,
    must_change_password: bool = True,
) -> User:
    acting_user.scope.require("user.manage")
    role = Role(role)
    region, operating_unit, station = _binding(role=role, region=region, operating_unit=operating_unit, station=station)
    _check_grant(acting_user, role, region)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(name)s”已被使用。") % {"name": username}})
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        region=region,
        operating_unit=operating_unit,
        station=station,
        phone=phone,
        is_demo=is_demo,
        is_superuser=role == Role.ADMIN,
        is_staff=role == Role.ADMIN,
        must_change_password=must_change_password,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with acting(acting_user):
        user.save()
    return user


@transaction.atomic
def user_update(
    *,
    acting_user: User,
    user: User,
    display_name: str | None = None,
    phone: str | None = None,
    is_active: bool | None = None,
) -> User:
    acting_user.scope.require("user.manage")
    _check_grant(acting_user, Role(user.role), user.region)
    if is_active is False and user.pk == acting_user.pk:
        raise ValidationError(_("不能停用自己的账号。"))
    for field, value in (("display_name", display_name), ("phone", phone), ("is_active", is_active)):
        if value is not None:
            setattr(user, field, value)
    with acting(acting_user):
        user.save()
    return user


@transaction.atomic
def user_reset_password(*, acting_user: User, user: User, new_password: str | None = None) -> str:
    """Set a temporary password the user must change at next login; revokes the user's API tokens."""
    acting_user.scope.require("user.manage")
    _check_grant(acting_user, Role(user.role), user.region)
    new_password = new_password or _temporary_password()
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = True
    with acting(acting_user):
        user.save()
        for token in user.api_tokens.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save()
    return new_password


def _temporary_password() -> str:
    # letters, digits and a symbol: always satisfies the 3-of-4 rule
    return f"Cz{secrets.token_urlsafe(9)}#{secrets.randbelow(10)}"


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确。")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("新密码不能与原密码相同。")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    with acting(user):
        user.save()


@transaction.atomic
def user_unlock(*, acting_user: User, user: User) -> int:
    """Lift a login lockout before its 15 minutes are up."""
    acting_user.scope.require("user.manage")
    _check_grant(acting_user, Role(user.role), user.region)
    count = axes_reset(username=user.username)
    log_event(actor=acting_user, obj=user, message="unlock", data={"attempts_cleared": count})
    return count


@transaction.atomic
def token_create(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create an API token; returns it with the key, which is shown this once and never stored."""
    user.scope.require("token.manage")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌用途。")})
    if expires_at and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("过期时间须晚于现在。")})
    key = "cz_" + secrets.token_urlsafe(32)
    with acting(user):
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=hash_token(key), expires_at=expires_at
        )
    return token, key


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        user.scope.require("user.manage")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        with acting(user):
            token.save()


TOKEN_TOUCH_SECONDS = 60  # last_used_at is rewritten at most once a minute


def token_authenticate(key: str) -> User | None:
    """The active user behind a valid, unexpired, unrevoked key, or None. A keeper's own station comes
    with it (``user.station``, the columns :data:`TOKEN_STATION_FIELDS`): the phone app's writes are
    at that station, and it need not be read again."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(now - timedelta(seconds=TOKEN_TOUCH_SECONDS)), hash_token(key), adapt(now)]
    user = next(iter(User.objects.raw(_token_user_sql(), params)), None)
    if user is None:
        return None
    extra = user.__dict__
    token_id, stale = extra.pop("token_id"), extra.pop("token_stale")
    station = [_from_db(name, extra.pop(f"station__{name}")) for name in TOKEN_STATION_FIELDS]
    if station[0] is not None:  # the user's own station (joined on it)
        user._state.fields_cache["station"] = Station.from_db(user._state.db, list(TOKEN_STATION_FIELDS), station)
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


# what a ledger entry needs of its station: its scope, county and last activity
TOKEN_STATION_FIELDS = ("id", "code", "region_id", "county_code", "operating_unit_id", "last_activity_at")


def _from_db(attname: str, value: Any) -> Any:
    """A station column read by the raw query as the ORM would give it (SQLite returns text for a time)."""
    if value is None:
        return None
    for convert, column in _converters(attname):
        value = convert(value, column, connection)
    return value


@functools.cache
def _converters(attname: str) -> list[tuple[Callable[..., Any], Col]]:
    field = next(f for f in Station._meta.concrete_fields if f.attname == attname)
    column = field.get_col(Station._meta.db_table)
    return [(c, column) for c in connection.ops.get_db_converters(column) + column.get_db_converters(connection)]


@functools.cache
def _token_user_sql() -> str:
    """Every API request's first query, written out once: as an ORM join it cost more Python than the
    rest of a small request (compiling thirty columns each time); the conditions are the same."""
    quote = connection.ops.quote_name
    user, token = quote(User._meta.db_table), quote(ApiToken._meta.db_table)
    station = quote(Station._meta.db_table)
    columns = ", ".join(f"s.{quote(name)} AS {quote('station__' + name)}" for name in TOKEN_STATION_FIELDS)
    return (
        f"SELECT u.*, t.id AS token_id, "  # noqa: S608  names from the models
        f"CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS token_stale, {columns} "
        f"FROM {user} u JOIN {token} t ON t.user_id = u.id LEFT JOIN {station} s ON s.id = u.station_id "
        f"WHERE t.key_hash = %s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > %s) "
        f"AND u.is_active"
    )
