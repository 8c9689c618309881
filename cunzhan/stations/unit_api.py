"""/api/v1/operating-units: the register of operating units (运营单位), through the one scoping mechanism.
Everyone with station access reads the units in scope (an operator: its own); the county office and the
administrator create, edit (with the version read: 409 when someone saved since), deactivate and
reactivate them. Refusals are 422 with the Chinese reason."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.core.concurrency import ConflictOut, EditConflict
from cunzhan.regions.selectors import county_for_user
from cunzhan.stations import selectors, units
from cunzhan.stations.models import ENDED_STATUSES, OperatingUnit, Station

router = Router(tags=["运营单位"])


class UnitOut(Schema):
    id: int
    name: str
    county_code: str = Field(..., alias="county_id")
    credit_code: str = Field(..., description="统一社会信用代码")
    contact_person: str
    contact_phone: str
    agreement_start: date | None
    agreement_end: date | None
    is_active: bool = Field(..., description="false：已停用，不再承接服务站；其服务站的历史保留")
    deactivated_at: datetime | None
    deactivation_reason: str
    stations: list[str] = Field(..., description="所服务的在册服务站编码（不含已撤销、关停的）")
    ended_stations: list[str] = Field(..., description="曾由本单位运营、已撤销或关停的服务站编码")
    version: int = Field(..., description="版本：修改时原样交回（见 PATCH）")
    edited_at: datetime | None

    @staticmethod
    def resolve_stations(unit: OperatingUnit) -> list[str]:
        return [s.code for s in unit.stations.all() if s.status not in ENDED_STATUSES]

    @staticmethod
    def resolve_ended_stations(unit: OperatingUnit) -> list[str]:
        return [s.code for s in unit.stations.all() if s.status in ENDED_STATUSES]


class UnitFields(Schema):
    name: str | None = None
    credit_code: str | None = Field(None, description="统一社会信用代码（18 位，校验位按 GB 32100 检查）")
    contact_person: str | None = None
    contact_phone: str | None = Field(None, description="11 位手机号，或带区号的固定电话")
    agreement_start: date | None = None
    agreement_end: date | None = None
    stations: list[str] | None = Field(
        None,
        description="所服务的服务站编码（本县在册站点）。给出时即为完整名单：原由本单位服务、不在名单中的站点不再由本单位服务。",
    )


class UnitIn(UnitFields):
    name: str
    credit_code: str
    county: str | None = Field(None, description="县级区划代码；只管辖一个县的账号可不填")


class UnitPatchIn(UnitFields):
    version: int = Field(
        ..., description="读取运营单位时得到的 version，原样交回。此后已被他人修改则答 409，不做任何修改。"
    )


class DeactivateIn(Schema):
    reason: str = Field(..., description="停用理由（必填）")


def _units(request):
    stations = Prefetch("stations", queryset=Station.objects.only("id", "code", "status", "operating_unit_id"))
    return selectors.operating_units_for_user(request.user).prefetch_related(stations)


def _unit(request, unit_id: int) -> OperatingUnit:
    return request.user.scope.get_or_404(_units(request), pk=unit_id)


def _stations(request, codes: list[str] | None) -> list[Station] | None:
    """The stations named: a code the user cannot see is input in error (422), not a 404 of the call."""
    if codes is None:
        return None
    found = {s.code: s for s in selectors.stations_for_user(request.user).filter(code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationError(
            {"stations": [_("服务站 %(code)s 不存在或不在您的管辖范围内") % {"code": code} for code in missing]}
        )
    return [found[code] for code in dict.fromkeys(codes)]


@router.get("", response=list[UnitOut], summary="我辖区内的运营单位（运营单位账号：本单位）")
@paginate(LimitOffsetPagination)
def list_units(request, active: bool | None = None):
    found = _units(request)
    return found if active is None else found.filter(is_active=active)


@router.post("", response={201: UnitOut}, summary="登记运营单位")
def create_unit(request, payload: UnitIn):
    request.user.scope.require("operating_unit.manage")
    data = payload.dict(exclude_unset=True)
    county = county_for_user(request.user, data.pop("county", None))
    stations = _stations(request, data.pop("stations", None))
    unit = units.unit_create(acting_user=request.user, county=county, stations=stations, **data)
    return Reply(201, _unit(request, unit.pk))


@router.get("/{unit_id}", response=UnitOut, summary="一个运营单位")
def get_unit(request, unit_id: int):
    return _unit(request, unit_id)


@router.patch(
    "/{unit_id}",
    response={200: UnitOut, 409: ConflictOut},
    summary="修改运营单位（含所服务的服务站）",
    description="须交回读取时得到的 version；运营单位在此之后已被他人修改则答 409，不做任何修改。",
)
def update_unit(request, unit_id: int, payload: UnitPatchIn):
    request.user.scope.require("operating_unit.manage")
    unit = _unit(request, unit_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    stations = _stations(request, data.pop("stations", None))
    try:
        units.unit_update(acting_user=request.user, unit=unit, version=version, stations=stations, **data)
    except EditConflict as exc:
        return Reply(409, {"detail": exc.message})
    return _unit(request, unit_id)


@router.post(
    "/{unit_id}/deactivate",
    response=UnitOut,
    summary="停用运营单位",
    description="仍服务在册站点时拒绝（先划转给其他运营单位）；停用后不再承接服务站，其站点历史保留，协议终止日期为停用当日。",
)
def deactivate_unit(request, unit_id: int, payload: DeactivateIn):
    request.user.scope.require("operating_unit.manage")
    units.unit_deactivate(acting_user=request.user, unit=_unit(request, unit_id), reason=payload.reason)
    return _unit(request, unit_id)


@router.post("/{unit_id}/reactivate", response=UnitOut, summary="恢复已停用的运营单位")
def reactivate_unit(request, unit_id: int):
    request.user.scope.require("operating_unit.manage")
    units.unit_reactivate(acting_user=request.user, unit=_unit(request, unit_id))
    return _unit(request, unit_id)
