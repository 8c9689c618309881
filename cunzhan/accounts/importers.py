"""A county's accounts in bulk, from the downloadable template (.xlsx, or .csv with the same headers).

The import is made for one county (the importer's own; a user over several names it): every account it
creates lies inside that county, bound to the county itself (县电商办), one of its operating units
(运营单位), townships or villages (镇村督查员) or stations (站长). Nothing wider can come in: a
province or city viewer, an administrator, a township or station of another county is a refused cell.

Validated whole, as every import is: every bad cell is reported by row and column in Chinese, and
nothing is saved unless the file has none (one transaction, :func:`cunzhan.accounts.services.user_create_many`).
Each account gets a generated initial password, returned here once and kept nowhere.

A file imported already (every user name exists, as that row would have made it) is refused as a whole
with that said (:class:`AlreadyImported`): nothing changes, and no password is shown again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from cunzhan.accounts import services
from cunzhan.accounts.models import User
from cunzhan.accounts.validators import mobile_problem
from cunzhan.core.audit import log_event
from cunzhan.core.import_templates import ReferenceList, TemplateColumn, write_import_template
from cunzhan.core.roles import GRANTABLE, Role
from cunzhan.core.tabular import CellError, ImportRejected, check_header, read_table
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import OperatingUnit, Station
from cunzhan.stations.references import TOWNSHIPS, UNITS, places_for

COL_USERNAME, COL_NAME, COL_PHONE, COL_ROLE = "用户名", "姓名", "手机号", "角色"
# the binding columns are titled as the 参考 sheet's lists they draw their drop-downs from
COL_TOWNSHIP, COL_UNIT, COL_STATION = TOWNSHIPS, UNITS, "服务站"
HEADERS = (COL_USERNAME, COL_NAME, COL_PHONE, COL_ROLE, COL_TOWNSHIP, COL_UNIT, COL_STATION)

# the roles of a county's own people; a viewer (city, province) or an administrator is never one of them
COUNTY_ROLES = (Role.COUNTY_OFFICE, Role.OPERATOR, Role.SUPERVISOR, Role.KEEPER)
# the binding column each role fills (the county office: none, it is the county's)
BINDING_COLUMN = {Role.OPERATOR: COL_UNIT, Role.SUPERVISOR: COL_TOWNSHIP, Role.KEEPER: COL_STATION}
ROLE_BY_TEXT = {
    **{str(role.label): role for role in Role},
    **{role.value: role for role in Role},
    "督查员": Role.SUPERVISOR,
}
USERNAME = re.compile(r"^[\w.@+-]+$")  # as the account form and Django's own validator
MAX_ACCOUNTS = 2000  # a county has a few hundred people; a larger file is a mistake


class AlreadyImported(ImportRejected):
    """Every row is an account that exists already, as the row describes it: the file was imported
    before. Nothing changes."""


@dataclass(frozen=True)
class Created:
    """An account the import made, with the one sight of its initial password."""

    user: User
    password: str

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def display_name(self) -> str:
        return self.user.display_name

    @property
    def role_label(self) -> str:
        return str(Role(self.user.role).label)

    @property
    def place(self) -> str:
        """Where the account works, as the slip names it."""
        return place_of(self.user)


def place_of(user: User) -> str:
    if user.station_id:
        return f"{user.station.code} {user.station.name}"
    if user.operating_unit_id:
        return str(user.operating_unit.name)
    return str(user.region.name) if user.region_id else ""


def county_roles(acting_user: User) -> list[Role]:
    """The roles the importer may give in a county's import."""
    grantable = GRANTABLE.get(Role(acting_user.role), frozenset())
    return [role for role in COUNTY_ROLES if role in grantable]


# -- the template ------------------------------------------------------------------------------------


def write_template(target: IO[bytes] | str, *, acting_user: User, county: Region) -> None:
    """The template for ``county``: each column's format, drop-down lists of the roles the importer may
    give and of the county's townships, operating units and stations (on the 参考 sheet, with its
    villages, where a supervisor may be bound too), and examples with real codes."""
    acting_user.scope.require("user.manage")
    acting_user.scope.require_region(county.code)
    roles = county_roles(acting_user)
    places = places_for(acting_user, county)
    townships, units, stations = places.townships, places.units, places.stations
    examples: list[tuple[str, ...]] = []
    if stations:
        examples.append(("zhanzhang01", "张三", "13800000000", str(Role.KEEPER.label), "", "", stations[0][0]))
    if townships:
        examples.append(("ducha01", "李四", "13900000000", str(Role.SUPERVISOR.label), townships[0][0], "", ""))
    if units:
        examples.append(("yunying01", "王五", "", str(Role.OPERATOR.label), "", units[0], ""))
    write_import_template(
        target,
        sheet="账号",
        columns=[
            TemplateColumn(
                COL_USERNAME,
                _("登录用的用户名：字母、数字或 @ . + - _（可用手机号），不能与已有账号重复"),
                required=True,
                text=True,
                width=16,
            ),
            TemplateColumn(COL_NAME, _("本人姓名，最多 64 个字"), required=True),
            TemplateColumn(COL_PHONE, _("11 位手机号，可不填"), text=True, width=16),
            TemplateColumn(
                COL_ROLE,
                _("可填：%(roles)s") % {"roles": "、".join(str(r.label) for r in roles)},
                required=True,
                choices=COL_ROLE,
                width=14,
            ),
            TemplateColumn(
                COL_TOWNSHIP,
                _("镇村督查员填所督查的乡镇（或村）区划代码（见“参考”工作表）；其他角色不填"),
                choices=COL_TOWNSHIP,
                text=True,
                width=16,
            ),
            TemplateColumn(
                COL_UNIT, _("运营单位账号填单位名称（见“参考”工作表）；其他角色不填"), choices=COL_UNIT, width=24
            ),
            TemplateColumn(
                COL_STATION,
                _("站长账号填所负责服务站的编码（见“参考”工作表）；其他角色不填"),
                choices=COL_STATION,
                text=True,
                width=16,
            ),
        ],
        examples=examples,
        # the townships, villages, units and stations under the titles the binding columns draw from
        references=[ReferenceList(COL_ROLE, [str(r.label) for r in roles]), *places.lists(stations_title=COL_STATION)],
    )


# -- reading and checking ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or a code Excel turned into a number
    return str(value).strip()


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    role: Role | None = None
    account: services.NewAccount | None = None


def _read(source: str | IO[bytes], name: str | None) -> list[_Row]:
    header, rows = read_table(source, name=name)
    positions = check_header(header, HEADERS)
    read = []
    for line, row in enumerate(rows, start=2):
        cells = {col: _text(row[positions[col]]) if positions[col] < len(row) else "" for col in HEADERS}
        if any(cells.values()):
            read.append(_Row(line, cells))
    if not read:
        raise ImportRejected([CellError(2, "", _("文件中没有数据行"))])
    if len(read) > MAX_ACCOUNTS:
        raise ImportRejected(
            [
                CellError(
                    0,
                    "",
                    _("一次最多导入 %(max)d 个账号，此文件有 %(n)d 行，请分批导入")
                    % {"max": MAX_ACCOUNTS, "n": len(read)},
                )
            ]
        )
    return read


class _Places:
    """The county's townships and villages, operating units and stations the file names, each kind read
    with one query."""

    def __init__(self, acting_user: User, county: Region, rows: list[_Row]) -> None:
        def named(column: str) -> set[str]:
            return {row.cells[column] for row in rows if row.cells[column]}

        self.regions = {
            r.code: r
            for r in Region.objects.filter(
                code__in=named(COL_TOWNSHIP), code__startswith=county.code, level__in=(Level.TOWNSHIP, Level.VILLAGE)
            )
        }
        self.units = {u.name: u for u in OperatingUnit.objects.filter(county=county, name__in=named(COL_UNIT))}
        self.stations = {
            s.code: s
            for s in acting_user.scope.filter(
                Station.objects.select_related("region").filter(county_code=county.code, code__in=named(COL_STATION))
            )
        }


def _check_row(row: _Row, *, county: Region, roles: list[Role], places: _Places, errors: list[CellError]) -> None:
    """The row's own cells; sets ``row.account`` when they are right."""
    cells, before = row.cells, len(errors)

    def err(column: str, message: str) -> None:
        errors.append(CellError(row.line, column, message))

    username, display_name, phone = cells[COL_USERNAME], cells[COL_NAME], cells[COL_PHONE].replace(" ", "")
    if not username:
        err(COL_USERNAME, _("必填"))
    elif len(username) > 150 or not USERNAME.match(username):
        err(COL_USERNAME, _("“%(value)s”不能用作用户名：只能包含字母、数字和 @ . + - _") % {"value": username})
    if not display_name:
        err(COL_NAME, _("必填"))
    elif len(display_name) > 64:
        err(COL_NAME, _("不能超过 64 个字"))
    if phone and (problem := mobile_problem(phone)):
        err(COL_PHONE, problem)

    role = ROLE_BY_TEXT.get(cells[COL_ROLE])
    choices = "、".join(str(r.label) for r in roles)
    if not cells[COL_ROLE]:
        err(COL_ROLE, _("必填，可填：%(roles)s") % {"roles": choices})
    elif role is None:
        err(COL_ROLE, _("“%(value)s”不是角色，可填：%(roles)s") % {"value": cells[COL_ROLE], "roles": choices})
    elif role not in roles:
        # a viewer or an administrator: wider than the county, never made by a county's import
        err(
            COL_ROLE,
            _("不能在%(county)s的账号导入中创建“%(role)s”账号，可填：%(roles)s")
            % {"county": county.name, "role": role.label, "roles": choices},
        )
        role = None
    row.role = role

    region, unit, station = (county if role == Role.COUNTY_OFFICE else None), None, None
    if role is not None:
        for column in (COL_TOWNSHIP, COL_UNIT, COL_STATION):
            if column != BINDING_COLUMN.get(role) and cells[column]:
                err(column, _("%(role)s账号不填此列") % {"role": role.label})
        column = BINDING_COLUMN.get(role)
        value = cells[column] if column else ""
        if column and not value:
            err(column, _("%(role)s账号须填写此列") % {"role": role.label})
        elif column == COL_TOWNSHIP:
            region = places.regions.get(value)
            if region is None:
                err(
                    column, _("“%(value)s”不是%(county)s的乡镇或村的区划代码") % {"value": value, "county": county.name}
                )
        elif column == COL_UNIT:
            unit = places.units.get(value)
            if unit is None:
                err(column, _("%(county)s没有名为“%(value)s”的运营单位") % {"value": value, "county": county.name})
        elif column == COL_STATION:
            station = places.stations.get(value)
            if station is None:
                err(column, _("服务站“%(value)s”不存在，或不在%(county)s") % {"value": value, "county": county.name})
    if len(errors) == before and role is not None:
        row.account = services.NewAccount(
            username=username,
            display_name=display_name,
            role=role,
            phone=phone,
            region=region,
            operating_unit=unit,
            station=station,
        )


def _same(user: User, account: services.NewAccount) -> bool:
    """Whether the existing account is the one the row describes (an earlier import of the same row)."""
    region = account.station.region_id if account.station else account.region.pk if account.region else None
    if account.operating_unit is not None:
        region = account.operating_unit.county_id
    return (
        user.role == account.role
        and user.display_name == account.display_name
        and user.station_id == (account.station.pk if account.station else None)
        and user.operating_unit_id == (account.operating_unit.pk if account.operating_unit else None)
        and user.region_id == region
    )


def validate(
    source: str | IO[bytes], *, acting_user: User, county: Region, name: str | None = None
) -> list[services.NewAccount]:
    """Every row of the file as an account to create; ImportRejected listing every problem."""
    acting_user.scope.require("user.manage")
    acting_user.scope.require_region(county.code)
    rows = _read(source, name)
    roles = county_roles(acting_user)
    places = _Places(acting_user, county, rows)
    errors: list[CellError] = []
    for row in rows:
        _check_row(row, county=county, roles=roles, places=places, errors=errors)

    # user names: twice in the file, or taken in the database (either ignoring case, as logins do)
    first: dict[str, int] = {}
    lowered = [row.cells[COL_USERNAME].lower() for row in rows if row.cells[COL_USERNAME]]
    existing: dict[str, User] = {}
    for start in range(0, len(lowered), 500):
        found = User.objects.annotate(lowered=Lower("username")).filter(lowered__in=lowered[start : start + 500])
        existing.update({user.username.lower(): user for user in found})
    imported_before = 0
    for row in rows:
        username = row.cells[COL_USERNAME]
        key = username.lower()
        if not username:
            continue
        if key in first:
            errors.append(CellError(row.line, COL_USERNAME, _("与第 %(line)d 行的用户名重复") % {"line": first[key]}))
            continue
        first[key] = row.line
        user = existing.get(key)
        if user is None:
            continue
        if row.account is not None and _same(user, row.account):
            imported_before += 1
            message = _("账号“%(name)s”已存在，与此行一致（此前已导入过），不会再建") % {"name": username}
        else:
            message = _("用户名“%(name)s”已被其他账号使用，请换一个") % {"name": username}
        errors.append(CellError(row.line, COL_USERNAME, message))
    if imported_before == len(rows):
        raise AlreadyImported(
            [
                CellError(
                    0,
                    "",
                    _(
                        "文件中的 %(n)d 个账号都已存在，与文件一致：此文件此前已导入过，本次没有任何改动，"
                        "初始密码也不会再次显示。如有人遗失初始密码，请在其账号页面“重置密码”。"
                    )
                    % {"n": len(rows)},
                )
            ]
        )
    if errors:
        errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else -1))
        raise ImportRejected(errors)
    return [row.account for row in rows if row.account is not None]


@transaction.atomic
def import_accounts(
    source: str | IO[bytes], *, acting_user: User, county: Region, name: str | None = None
) -> list[Created]:
    """Create the file's accounts, each with its initial password (the one sight of it), or
    ImportRejected (AlreadyImported for a file imported before) with nothing saved."""
    accounts = validate(source, acting_user=acting_user, county=county, name=name)
    try:
        created = services.user_create_many(acting_user=acting_user, accounts=accounts)
    except (ValidationError, IntegrityError) as exc:
        # what the checks above let through and the service still refused: a user name taken by an import
        # running at the same moment (the unique index), say. The whole file is refused, as always.
        messages = exc.messages if isinstance(exc, ValidationError) else [_("有用户名刚刚被其他操作使用，请重新导入。")]
        raise ImportRejected([CellError(0, "", message) for message in messages]) from exc
    log_event(
        actor=acting_user,
        obj=created[0][0],
        message="account import",
        data={
            "file": name or getattr(source, "name", "") or str(source),
            "county": county.code,
            "accounts": len(created),
        },
    )
    return [Created(user, password) for user, password in created]
