from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.accounts import selectors

router = Router(tags=["账号与日志"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    region_id: str | None
    operating_unit_id: int | None
    station_code: str | None = Field(None, alias="station.code")
    permissions: list[str]


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    region_id: str | None
    operating_unit_id: int | None
    station_id: int | None
    is_active: bool
    last_login: datetime | None


class OperationOut(Schema):
    id: int
    timestamp: datetime
    actor: str | None = Field(None, alias="actor.username")
    remote_addr: str | None
    action: str = Field(..., alias="get_action_display")
    model: str = Field(..., alias="content_type.model")
    object_pk: str
    object_repr: str
    changes: dict | None


class LoginOut(Schema):
    username: str | None
    ip_address: str | None
    user_agent: str
    attempt_time: datetime
    logout_time: datetime | None


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    from cunzhan.core.roles import PERMISSIONS

    user = request.user
    user.permissions = sorted(p for p in PERMISSIONS if user.scope.can(p))
    return user


@router.get("/users", response=list[UserOut], summary="我辖区内的账号")
@paginate(LimitOffsetPagination)
def list_users(request, role: str | None = None):
    users = selectors.users_for_user(request.user)
    return users.filter(role=role) if role else users


@router.get("/audit/operations", response=list[OperationOut], summary="操作日志")
@paginate(LimitOffsetPagination)
def list_operations(request):
    return selectors.operation_log_for_user(request.user)


@router.get("/audit/logins", response=list[LoginOut], summary="登录日志")
@paginate(LimitOffsetPagination)
def list_logins(request):
    successes, _failures = selectors.login_log_for_user(request.user)
    return successes
