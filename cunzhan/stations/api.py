"""/api/v1/stations: the registry, norms, lifecycle, assets and exports, through the one scoping
mechanism (out of scope → 404, not allowed → 403, refused → 422 with the Chinese reason)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.core.concurrency import ConflictOut, EditConflict
from cunzhan.core.replicas import replica_reads
from cunzhan.core.tabular import ImportRejected
from cunzhan.regions.models import Region
from cunzhan.stations import asset_import, exporters, importers, selectors, services
from cunzhan.stations.models import OperatingUnit, PublicAsset, ResponsiblePerson

router = Router(tags=["服务站"])


class StationOut(Schema):
    code: str
    name: str
    tier: str
    status: str
    region_id: str
    county_code: str
    operating_unit_id: int | None
    is_demo: bool
    certified_at: datetime | None
    last_activity_at: datetime | None


class StationDetails(Schema):
    name: str | None = None
    signboard_name: str | None = None
    address: str | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    usable_area: Decimal | None = None
    resident_population: int | None = None
    poor_share: Decimal | None = None
    platforms: str | None = None
    has_broadband: bool | None = None
    has_terminal: bool | None = None
    has_shelves: bool | None = None
    has_display_cabinet: bool | None = None
    has_parcel_facilities: bool | None = None
    opening_hours: str | None = None
    service_items: str | None = None
    key_processes: str | None = None
    service_promise: str | None = None
    fees: str | None = None
    complaint_channel: str | None = None
    contact_phone: str | None = None


class StationDetailOut(StationOut, StationDetails):
    signboard_name: str
    address: str
    platforms: str
    opening_hours: str
    service_items: str
    key_processes: str
    service_promise: str
    fees: str
    complaint_channel: str
    contact_phone: str
    has_broadband: bool
    has_terminal: bool
    has_shelves: bool
    has_display_cabinet: bool
    has_parcel_facilities: bool
    status_changed_at: datetime | None
    publicity_started_at: datetime | None
    agreement_no: str
    agreement_start: date | None
    agreement_end: date | None
    version: int = Field(..., description="档案版本：修改时原样交回（见 PATCH）")
    edited_at: datetime | None


class StationUpdateIn(StationDetails):
    version: int = Field(
        ...,
        description="读取服务站时得到的 version，原样交回。服务站在此之后已被他人修改则答 409，不做任何修改。",
    )


class StationIn(StationDetails):
    code: str
    name: str
    tier: str
    region: str = Field(..., description="服务区域的区划代码")
    operating_unit_id: int | None = None


class NormOut(Schema):
    rule: str
    label: str
    outcome: str
    explanation: str
    clause: str
    exemption_reason: str | None = None


class TransitionIn(Schema):
    to: str
    reason: str = ""
    agreement_no: str = ""


class TransitionOut(Schema):
    to: str
    label: str
    permission: str
    requires: list[str]


class EventOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    actor: str | None = Field(None, alias="actor.username")
    reason: str
    data: dict


class ExemptionIn(Schema):
    rule: str
    basis: str
    reason: str


class ExemptionOut(Schema):
    id: int
    rule: str
    basis: str
    reason: str
    approved_by: str = Field(..., alias="approved_by.username")
    approved_at: datetime
    withdrawn_at: datetime | None


class AssetIn(Schema):
    kind: str
    name: str = ""
    quantity: int = 1
    serial_no: str = ""
    acquired_on: date | None = None
    note: str = ""


class AssetOut(Schema):
    id: int
    kind: str
    name: str
    quantity: int
    serial_no: str
    condition: str
    movable: bool
    acquired_on: date | None


# The real past times of a county's history (历史导入): the county office only; anyone else sending one
# is refused (403) and the system stamps the time itself.
BACKDATED = "仅县电商办补录历史数据时填写（历史导入）；其他账号填写则拒绝（403），时间以系统记录为准"


class FaultIn(Schema):
    description: str
    stops_operation: bool = False
    reported_at: datetime | None = Field(None, description=f"过去的报修时间：{BACKDATED}")


class RepairIn(Schema):
    repair_note: str = ""
    repaired_at: datetime | None = Field(None, description=f"过去的修复时间：{BACKDATED}")


class FaultOut(Schema):
    id: int
    asset_id: int
    description: str
    stops_operation: bool
    reported_at: datetime
    repaired_at: datetime | None
    repair_note: str


class PersonOut(Schema):
    id: int
    name: str
    phone: str
    pre_job_training_days: Decimal = Field(..., description="岗前培训累计天数")
    yearly_trainings: int = Field(..., description="本年度参加培训次数")
    is_primary: bool
    created_at: datetime


class PersonIn(Schema):
    name: str
    phone: str = ""
    pre_job_training_days: Decimal = Decimal(0)
    yearly_trainings: int = 0
    is_primary: bool = True


class PersonPatchIn(Schema):
    name: str | None = None
    phone: str | None = None
    pre_job_training_days: Decimal | None = None
    yearly_trainings: int | None = None
    is_primary: bool | None = None


class StationCellErrorOut(Schema):
    row: int = Field(..., description="表格中的行号（表头为第 1 行；0 表示整个文件）")
    column: str
    message: str


class StationImportRejectedOut(Schema):
    detail: str
    errors: list[StationCellErrorOut]


class StationImportOut(Schema):
    created: int
    people: int
    history: int = Field(..., description="其中按历史导入、直接进入其当前状态的已认定站点数")
    already_imported: bool = Field(..., description="true：此文件（SHA-256 相同）已导入过，本次未做任何修改")
    message: str


class AssetImportOut(Schema):
    created: int
    stations: int
    message: str


def _station(request, code: str):
    return selectors.get_station_for_user_or_404(request.user, code)


def _rejected(exc: ImportRejected) -> Reply:
    return Reply(
        422,
        {
            "detail": f"文件有 {len(exc.errors)} 处错误，未保存任何数据",
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors],
        },
    )


# fixed paths first: "/{code}" would otherwise swallow them


@router.post(
    "/import",
    response={200: StationImportOut, 422: StationImportRejectedOut},
    summary="批量导入服务站（.xlsx/.csv，含历史导入）",
    description=(
        "模板见页面“服务站 → 批量导入”。无“当前状态”的行登记为新申请；填了当前状态和认定日期的行按历史导入"
        "直接进入该状态。整个文件先检查，有错误则不保存（422，逐行逐列列出）；同一文件再次导入不做任何修改。"
    ),
)
def import_stations(request, file: File[UploadedFile]):
    try:
        summary = importers.import_stations(file, acting_user=request.user, name=file.name)
    except ImportRejected as exc:
        return _rejected(exc)
    return {
        "created": summary.created,
        "people": summary.people,
        "history": summary.history,
        "already_imported": summary.already is not None,
        "message": summary.message(),
    }


@router.post(
    "/import/assets",
    response={200: AssetImportOut, 422: StationImportRejectedOut},
    summary="批量导入公共资产（.xlsx/.csv）",
    description="模板见页面“服务站 → 导入公共资产”。整个文件先检查，有错误则不保存；站点已登记的相同资产不重复登记。",
)
def import_assets(request, file: File[UploadedFile]):
    try:
        summary = asset_import.import_assets(file, acting_user=request.user, name=file.name)
    except ImportRejected as exc:
        return _rejected(exc)
    return {"created": summary.created, "stations": summary.stations, "message": summary.message()}


@router.get("/zombies", response=list[StationOut], summary="疑似僵尸站点（长期无台账活动）")
@paginate(LimitOffsetPagination)
def list_zombies(request):
    return selectors.zombie_stations_for_user(request.user)


@router.get("/export/certified", response=dict[str, Any], summary="认定站点上报（格式见 docs/station-export.md）")
@replica_reads()
def export_certified(request):
    stations = selectors.certified_stations_for_user(request.user)
    return exporters.certified_document(stations, scope=request.user.scope.region_code)


@router.get("", response=list[StationOut], summary="我辖区内的服务站")
@paginate(LimitOffsetPagination)
def list_stations(request, status: str | None = None, tier: str | None = None, region: str | None = None):
    stations = selectors.stations_for_user(request.user)
    if status:
        stations = stations.filter(status=status)
    if tier:
        stations = stations.filter(tier=tier)
    if region:
        stations = stations.filter(region__code__startswith=region)
    return stations


@router.post("", response={201: StationDetailOut}, summary="登记服务站（状态为“申请”）")
def register_station(request, payload: StationIn):
    request.user.scope.require("station.register")
    data = payload.dict(exclude_unset=True)
    region = request.user.scope.get_or_404(Region.objects.all(), code=data.pop("region"))
    unit_id = data.pop("operating_unit_id", None)
    unit = get_object_or_404(OperatingUnit, pk=unit_id) if unit_id else None
    station = services.station_register(
        acting_user=request.user,
        code=data.pop("code"),
        tier=data.pop("tier"),
        region=region,
        operating_unit=unit,
        **data,
    )
    return Reply(201, station)


@router.get("/{code}", response=StationDetailOut, summary="一个服务站")
def get_station(request, code: str):
    return _station(request, code)


@router.patch(
    "/{code}",
    response={200: StationDetailOut, 409: ConflictOut},
    summary="修改服务站档案",
    description="须交回读取服务站时得到的 version；服务站在此之后已被他人修改则答 409，不做任何修改。",
)
def update_station(request, code: str, payload: StationUpdateIn):
    station = _station(request, code)
    details = payload.dict(exclude_unset=True)
    version = details.pop("version")
    try:
        return services.station_update(acting_user=request.user, station=station, version=version, **details)
    except EditConflict as exc:
        return Reply(409, {"detail": exc.message})


@router.get("/{code}/norms", response=list[NormOut], summary="规范核查结果")
def station_norms(request, code: str):
    return [
        {
            "rule": r.rule.value,
            "label": r.label,
            "outcome": r.outcome.value,
            "explanation": r.explanation,
            "clause": r.clause,
            "exemption_reason": r.exemption.reason if r.exemption else None,
        }
        for r in selectors.norm_checklist(_station(request, code))
    ]


@router.get("/{code}/events", response=list[EventOut], summary="状态变更记录")
def station_events(request, code: str):
    return list(selectors.events_for_station(_station(request, code)))


@router.get("/{code}/transitions", response=list[TransitionOut], summary="我可执行的下一步")
def station_transitions(request, code: str):
    return [
        {
            "to": t.target.value,
            "label": str(t.label),
            "permission": t.permission,
            "requires": list(t.requires),
        }
        for t in selectors.transitions_for_user(request.user, _station(request, code))
    ]


@router.post("/{code}/transitions", response={201: EventOut}, summary="变更状态")
def transition_station(request, code: str, payload: TransitionIn):
    event = services.station_transition(acting_user=request.user, station=_station(request, code), **payload.dict())
    return Reply(201, event)


@router.get("/{code}/exemptions", response=list[ExemptionOut], summary="规范放宽记录")
def station_exemptions(request, code: str):
    return list(_station(request, code).exemptions.select_related("approved_by"))


@router.post("/{code}/exemptions", response={201: ExemptionOut}, summary="批准规范放宽")
def grant_exemption(request, code: str, payload: ExemptionIn):
    exemption = services.exemption_grant(acting_user=request.user, station=_station(request, code), **payload.dict())
    return Reply(201, exemption)


@router.get("/{code}/people", response=list[PersonOut], summary="站点负责人员")
def station_people(request, code: str):
    return list(_station(request, code).people.all())


@router.post("/{code}/people", response={201: PersonOut}, summary="登记负责人员")
def add_person(request, code: str, payload: PersonIn):
    person = services.person_add(acting_user=request.user, station=_station(request, code), **payload.dict())
    return Reply(201, person)


def _person(request, code: str, person_id: int) -> ResponsiblePerson:
    station = _station(request, code)
    return request.user.scope.get_or_404(ResponsiblePerson.objects.filter(station=station), pk=person_id)


@router.patch("/{code}/people/{person_id}", response=PersonOut, summary="修改负责人员（姓名、手机号、培训情况）")
def update_person(request, code: str, person_id: int, payload: PersonPatchIn):
    person = _person(request, code, person_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.person_update(acting_user=request.user, person=person, **fields)


@router.delete("/{code}/people/{person_id}", response={204: None}, summary="删除负责人员")
def remove_person(request, code: str, person_id: int):
    services.person_remove(acting_user=request.user, person=_person(request, code, person_id))
    return Reply(204, None)


@router.get("/{code}/assets", response=list[AssetOut], summary="公共资产")
def station_assets(request, code: str):
    return list(_station(request, code).assets.all())


@router.post("/{code}/assets", response={201: AssetOut}, summary="登记公共资产")
def add_asset(request, code: str, payload: AssetIn):
    return Reply(201, services.asset_add(acting_user=request.user, station=_station(request, code), **payload.dict()))


@router.get("/{code}/faults", response=list[FaultOut], summary="报修记录")
def station_faults(request, code: str):
    return list(_station(request, code).faults.all())


@router.post("/{code}/assets/{asset_id}/faults", response={201: FaultOut}, summary="报修")
def report_fault(request, code: str, asset_id: int, payload: FaultIn):
    station = _station(request, code)
    asset = request.user.scope.get_or_404(PublicAsset.objects.filter(station=station), pk=asset_id)
    return Reply(201, services.fault_report(acting_user=request.user, asset=asset, **payload.dict()))


@router.post("/{code}/faults/{fault_id}/repair", response=FaultOut, summary="登记修复")
def repair_fault(request, code: str, fault_id: int, payload: RepairIn):
    station = _station(request, code)
    fault = request.user.scope.get_or_404(selectors.faults_for_user(request.user).filter(station=station), pk=fault_id)
    return services.fault_repair(acting_user=request.user, fault=fault, **payload.dict())
