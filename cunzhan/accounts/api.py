"""/api/v1/me, /users and /audit: the accounts of the user's scope and their management, as on the
pages (create one or a table of them, change a name or phone, deactivate and activate, reset a
password, lift a lockout), and the logs. API tokens are made and revoked on the "API 令牌" page only:
a token that could mint tokens would outlive its own revocation."""

from __future__ import annotations

import io
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.accounts import importers, selectors, services
from cunzhan.accounts.models import User
from cunzhan.core.concurrency import ConflictOut, EditConflict
from cunzhan.core.roles import Role
from cunzhan.core.scoping import OutOfScope
from cunzhan.core.tabular import ImportRejected
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import county_for_user
from cunzhan.stations.selectors import operating_units_for_user, stations_for_user

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


class UserDetailOut(UserOut):
    phone: str
    station_code: str | None = Field(None, alias="station.code")
    must_change_password: bool
    version: int = Field(..., description="账号版本：修改姓名、手机号时原样交回（见 PATCH）")


class UserIn(Schema):
    username: str = Field(..., description="登录用的用户名（字母、数字和 @ . + - _）")
    display_name: str = Field(..., description="姓名")
    role: str = Field(
        ..., description="county_office 县电商办 / operator 运营单位 / supervisor 镇村督查员 / keeper 站长"
    )
    region: str | None = Field(None, description="区划代码：县电商办填县，督查员填乡镇或村（市/省主管部门填市或省）")
    operating_unit_id: int | None = Field(None, description="运营单位账号：所属运营单位")
    station: str | None = Field(None, description="站长账号：服务站编码")
    phone: str = Field("", description="11 位手机号，可不填")
    password: str | None = Field(None, description="不填则生成初始密码，只在本次回答中出现一次")


class CreatedUserOut(UserDetailOut):
    initial_password: str | None = Field(
        None, description="生成的初始密码：只在这一次回答中出现，系统不保存；首次登录须修改。自己给出密码时为空"
    )


class UserPatchIn(Schema):
    display_name: str | None = None
    phone: str | None = Field(None, description="11 位手机号；空字符串为清除")
    version: int = Field(
        ..., description="读取账号时得到的 version，原样交回。账号在此之后已被他人修改则答 409，不做任何修改。"
    )


class PasswordResetOut(Schema):
    initial_password: str = Field(..., description="新的初始密码：只在这一次回答中出现；下次登录须修改")


class UnlockOut(Schema):
    attempts_cleared: int


class AccountCellErrorOut(Schema):
    row: int = Field(..., description="表格中的行号（第 1 行为表头）；0 为整个文件")
    column: str
    message: str


class AccountsImportedOut(Schema):
    detail: str
    created: list[CreatedUserOut]


class AccountsRejectedOut(Schema):
    detail: str
    errors: list[AccountCellErrorOut]


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


def _user(request, pk: int) -> User:
    return selectors.get_user_for_user_or_404(request.user, pk)


def _created(user: User, password: str | None) -> User:
    user.initial_password = password  # read by CreatedUserOut; an attribute of this answer, never saved
    return user


@router.post("/users", response={201: CreatedUserOut}, summary="新建账号（不给密码则生成初始密码）")
def create_user(request, payload: UserIn):
    actor = request.user
    actor.scope.require("user.manage")
    if payload.role not in Role.values:
        raise ValidationError({"role": _("角色无效，应为：%(roles)s") % {"roles": "、".join(Role.values)}})
    region = None
    if payload.region:
        region = Region.objects.filter(code=payload.region).first()
        if region is None:
            raise ValidationError({"region": _("区划代码 %(code)s 不存在。") % {"code": payload.region}})
    station = None
    if payload.station:
        station = stations_for_user(actor).filter(code=payload.station).first()
        if station is None:
            message = _("服务站 %(code)s 不存在或不在您的辖区内。") % {"code": payload.station}
            raise ValidationError({"station": message})
    unit = None
    if payload.operating_unit_id is not None:
        unit = operating_units_for_user(actor).filter(pk=payload.operating_unit_id).first()
        if unit is None:
            raise ValidationError({"operating_unit_id": _("运营单位不存在或不在您的辖区内。")})
    account = services.NewAccount(
        username=payload.username,
        display_name=payload.display_name,
        role=Role(payload.role),
        region=region,
        operating_unit=unit,
        station=station,
        phone=payload.phone,
    )
    try:
        if payload.password:
            user = services.user_create(acting_user=actor, password=payload.password, **vars(account))
            return Reply(201, _created(user, None))
        ((user, password),) = services.user_create_many(acting_user=actor, accounts=[account])
    except OutOfScope:
        # a region the client named that lies outside the scope: a wrong field, as a station or unit is
        raise ValidationError({"region": _("只能管理本辖区内的账号。")}) from None
    return Reply(201, _created(user, password))


@router.post(
    "/users/import",
    response={201: AccountsImportedOut, 200: AccountsImportedOut, 422: AccountsRejectedOut},
    summary="批量导入一个县的账号（.xlsx/.csv，模板见 GET /users/import/template）",
    description=(
        "整表校验：有任何错误都不创建账号（422，逐行逐列说明）。成功则答 201，每个新账号附初始密码，只在这一次"
        "回答中出现。文件此前已导入过（所有用户名都已存在且与文件一致）则答 200，created 为空，没有任何改动。"
        "管辖多个县的账号须用 county 参数给出县级区划代码。"
    ),
)
def import_users(request, file: File[UploadedFile], county: str | None = None):
    actor = request.user
    actor.scope.require("user.manage")
    region = county_for_user(actor, county)
    try:
        created = importers.import_accounts(file, acting_user=actor, county=region, name=file.name)
    except importers.AlreadyImported as exc:
        return Reply(200, {"detail": str(exc), "created": []})
    except ImportRejected as exc:
        errors = [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors]
        return Reply(422, {"detail": _("文件有 %(n)d 处错误，未创建任何账号") % {"n": len(errors)}, "errors": errors})
    detail = _("已创建 %(n)d 个账号，首次登录须修改密码") % {"n": len(created)}
    return Reply(201, {"detail": detail, "created": [_created(c.user, c.password) for c in created]})


@router.get("/users/import/template", summary="账号导入模板（.xlsx，含本县的乡镇、运营单位和服务站）")
def import_users_template(request, county: str | None = None):
    request.user.scope.require("user.manage")
    region = county_for_user(request.user, county)
    buffer = io.BytesIO()
    importers.write_template(buffer, acting_user=request.user, county=region)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"accounts-{region.code}.xlsx")


@router.get("/users/{int:pk}", response=UserDetailOut, summary="一个账号")
def get_user(request, pk: int):
    return _user(request, pk)


@router.patch(
    "/users/{int:pk}",
    response={200: UserDetailOut, 409: ConflictOut},
    summary="修改账号的姓名或手机号",
    description="须交回读取账号时得到的 version；账号在此之后已被他人修改则答 409，不做任何修改。",
)
def update_user(request, pk: int, payload: UserPatchIn):
    user = _user(request, pk)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    try:
        return services.user_update(acting_user=request.user, user=user, version=version, **changes)
    except EditConflict as exc:
        return Reply(409, {"detail": exc.message})


@router.post("/users/{int:pk}/deactivate", response=UserDetailOut, summary="停用账号（其令牌随之失效）")
def deactivate_user(request, pk: int):
    return services.user_update(acting_user=request.user, user=_user(request, pk), is_active=False)


@router.post("/users/{int:pk}/activate", response=UserDetailOut, summary="启用账号")
def activate_user(request, pk: int):
    return services.user_update(acting_user=request.user, user=_user(request, pk), is_active=True)


@router.post(
    "/users/{int:pk}/reset-password",
    response=PasswordResetOut,
    summary="重置密码（生成新的初始密码，吊销其令牌）",
    description="新的初始密码只在这一次回答中出现；账号下次登录须修改。不能重置自己的密码。",
)
def reset_user_password(request, pk: int):
    password = services.user_reset_password(acting_user=request.user, user=_user(request, pk))
    return {"initial_password": password}


@router.post("/users/{int:pk}/unlock", response=UnlockOut, summary="解除登录锁定")
def unlock_user(request, pk: int):
    return {"attempts_cleared": services.user_unlock(acting_user=request.user, user=_user(request, pk))}


@router.get("/audit/operations", response=list[OperationOut], summary="操作日志")
@paginate(LimitOffsetPagination)
def list_operations(request):
    return selectors.operation_log_for_user(request.user)


@router.get("/audit/logins", response=list[LoginOut], summary="登录日志")
@paginate(LimitOffsetPagination)
def list_logins(request):
    successes, _failures = selectors.login_log_for_user(request.user)
    return successes
