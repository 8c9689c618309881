"""Every write to accounts: one function per business action, one transaction each."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import Col
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import ApiToken, User, hash_token
from cunzhan.accounts.passwords import hash_initial, initial_password
from cunzhan.accounts.validators import mobile_problem
from cunzhan.core.audit import acting, log_event
from cunzhan.core.concurrency import EditConflict
from cunzhan.core.roles import GRANTABLE, Role
from cunzhan.core.scoping import OutOfScope
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
    """ValidationError when the actor may not grant the role; OutOfScope when the account's region lies
    outside the actor's scope (for them it does not exist, as everywhere else)."""
    actor_role = Role(actor.role)
    if role not in GRANTABLE.get(actor_role, frozenset()):
        raise ValidationError({"role": _("您无权创建或修改“%(role)s”角色的账号。") % {"role": role.label}})
    if actor_role == Role.ADMIN:
        return
    if region is None:
        raise ValidationError({"region": _("只能管理本辖区内的账号。")})
    if not actor.scope.covers_region(region.code):
        raise OutOfScope(_("账号不存在或不在您的管辖范围内。"))


def _require_account(actor: User, user: User) -> None:
    """OutOfScope unless the existing account lies inside the actor's scope: checked before anything
    else about it, so that the answer says nothing of an account the actor cannot see."""
    if Role(actor.role) == Role.ADMIN:
        return
    if user.region_id is None or not actor.scope.covers_region(user.region_id):
        raise OutOfScope(_("账号不存在或不在您的管辖范围内。"))


def _check_phone(phone: str) -> None:
    if phone and (problem := mobile_problem(phone)):
        raise ValidationError({"phone": problem})


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
    """An account with the password given (chosen by a person: hashed at full strength). Accounts with a
    generated initial password: :func:`user_create_many`."""
    acting_user.scope.require("user.manage")
    role = Role(role)
    region, operating_unit, station = _binding(role=role, region=region, operating_unit=operating_unit, station=station)
    _check_grant(acting_user, role, region)
    _check_phone(phone)
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


@dataclass(frozen=True)
class NewAccount:
    """An account to create with a generated initial password (:func:`user_create_many`)."""

    username: str
    display_name: str
    role: Role
    phone: str = ""
    region: Region | None = None
    operating_unit: OperatingUnit | None = None
    station: Station | None = None


@transaction.atomic
def user_create_many(*, acting_user: User, accounts: Sequence[NewAccount]) -> list[tuple[User, str]]:
    """Create the accounts, each with its own generated initial password, all or none. Returns each
    account with its password: the only place the password ever appears (only its hash is saved, and the
    operation log masks even that). Every account must change it at the first login. The checks are
    :func:`user_create`'s, the role and binding each account's and its place inside the acting user's
    scope; the user names are looked up once for all."""
    acting_user.scope.require("user.manage")
    users = []
    for account in accounts:
        role = Role(account.role)
        region, operating_unit, station = _binding(
            role=role, region=account.region, operating_unit=account.operating_unit, station=account.station
        )
        _check_grant(acting_user, role, region)
        _check_phone(account.phone)
        users.append(
            User(
                username=account.username,
                display_name=account.display_name,
                role=role,
                region=region,
                operating_unit=operating_unit,
                station=station,
                phone=account.phone,
                is_superuser=role == Role.ADMIN,
                is_staff=role == Role.ADMIN,
                must_change_password=True,
            )
        )
    _require_new_usernames([user.username for user in users])
    created = []
    with acting(acting_user):
        for user in users:
            password = initial_password(user)
            user.password = hash_initial(password)
            # the bindings are objects in hand, checked above; the user names were looked up at once
            user.full_clean(exclude=["password", "region", "operating_unit", "station"], validate_unique=False)
            user.save()
            created.append((user, password))
    return created


def _require_new_usernames(usernames: list[str]) -> None:
    """ValidationError naming the user names taken already or given twice (ignoring case, as logins do)."""
    lowered = [name.lower() for name in usernames]
    twice = sorted({name for name in lowered if lowered.count(name) > 1})
    taken: set[str] = set()
    for start in range(0, len(lowered), 500):
        chunk = lowered[start : start + 500]
        taken |= set(
            User.objects.annotate(lowered=Lower("username")).filter(lowered__in=chunk).values_list("lowered", flat=True)
        )
    if twice:
        raise ValidationError({"username": _("用户名重复：%(names)s") % {"names": "、".join(twice)}})
    if taken:
        names = "、".join(name for name in usernames if name.lower() in taken)
        raise ValidationError({"username": _("用户名已被使用：%(names)s") % {"names": names}})


@transaction.atomic
def user_update(
    *,
    acting_user: User,
    user: User,
    display_name: str | None = None,
    phone: str | None = None,
    is_active: bool | None = None,
    version: int | None = None,
) -> User:
    """Change an account's name, phone or whether it is active. ``version``, when given, is the account's
    version the editor read: when the account's details were saved since, EditConflict and nothing is
    saved (the API's PATCH gives it; activating and deactivating are actions, not edits, and need none)."""
    acting_user.scope.require("user.manage")
    _require_account(acting_user, user)
    _check_grant(acting_user, Role(user.role), user.region)
    if is_active is False and user.pk == acting_user.pk:
        raise ValidationError(_("不能停用自己的账号。"))
    if phone:
        _check_phone(phone)
    if display_name is not None or phone is not None:
        # of two editors who read the same version, the second waits here, then finds it moved on
        current = User.objects.select_for_update().only("version").get(pk=user.pk)
        if version is not None and current.version != version:
            raise EditConflict(_("该账号信息在您读取之后已被修改，请重新读取后再改，您的修改未保存。"))
        user.version = current.version + 1
    for field, value in (("display_name", display_name), ("phone", phone), ("is_active", is_active)):
        if value is not None:
            setattr(user, field, value)
    if display_name is not None and not display_name.strip():
        raise ValidationError({"display_name": _("请填写姓名。")})
    user.full_clean(exclude=["password", "region", "operating_unit", "station"], validate_unique=False)
    with acting(acting_user):
        user.save()
    return user


@transaction.atomic
def user_reset_password(*, acting_user: User, user: User, new_password: str | None = None) -> str:
    """Give the user a new initial password (generated unless given), which must be changed at the next
    login; revokes the user's API tokens. Returns the password: shown once, kept nowhere. An account
    manager's own password is changed, not reset (a reset would lock them out of the API at once)."""
    acting_user.scope.require("user.manage")
    _require_account(acting_user, user)
    _check_grant(acting_user, Role(user.role), user.region)
    if user.pk == acting_user.pk:
        raise ValidationError(_("不能重置自己的密码，请在“修改密码”页面修改。"))
    if new_password:
        validate_password(new_password, user)
        user.set_password(new_password)
    else:
        new_password = initial_password(user)
        user.password = hash_initial(new_password)
    user.must_change_password = True
    with acting(acting_user):
        user.save()
        for token in user.api_tokens.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save()
    return new_password


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
    _require_account(acting_user, user)
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
    """Revoke a token: one's own, or as an account manager one of an account inside one's scope (an
    account of another county is OutOfScope, as if it did not exist)."""
    if token.user_id != user.pk:
        user.scope.require("user.manage")
        _require_account(user, token.user)
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
