"""API for trainings, attendance, marketing activities and guidance, under /api/v1/activities: what the
pages record, as operations (a period already published takes a ``correction_reason``, as on the pages)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BeforeValidator

from cunzhan.activities import importers, selectors, services
from cunzhan.core.money import round_entered
from cunzhan.core.tabular import ImportRejected
from cunzhan.stations.selectors import stations_for_user

router = Router(tags=["培训与营销活动"])


class TrainingOut(Schema):
    id: int
    county_code: str = Field(..., alias="county_id")
    operating_unit_id: int | None
    organiser: str
    topic: str
    start_date: date
    days: Decimal
    is_pre_job: bool
    location: str
    required_count: int


class TrainingIn(Schema):
    topic: str
    start_date: date
    days: Decimal = Decimal(1)
    organiser: str = ""
    is_pre_job: bool = False
    location: str = ""
    required_stations: list[str] = Field(default_factory=list, description="站点编码")


class AttendanceOut(Schema):
    id: int
    training_id: int
    station_code: str = Field(..., alias="station.code")
    person_name: str
    user_id: int | None
    status: str
    test_result: str


class AttendanceIn(Schema):
    station: str = Field(..., description="站点编码")
    person_name: str
    phone: str = ""
    status: str = Field(..., description="present / leave / absent / late / early_leave")
    test_result: str = Field("", description="pass / fail / 空")


class AttendanceBatchIn(Schema):
    lines: list[AttendanceIn]
    correction_reason: str = ""


class ActivityOut(Schema):
    id: int
    county_code: str = Field(..., alias="county_id")
    title: str
    organiser: str
    start_date: date
    end_date: date
    report_due_at: datetime
    required_count: int


class ActivityStationOut(Schema):
    station_code: str
    participated: bool | None
    report_state: str
    orders: int | None
    sales_amount: Decimal | None


class GuidanceOut(Schema):
    id: int
    station_code: str = Field(..., alias="station.code")
    kind: str
    visited_on: date
    content: str


class GuidanceStatusOut(Schema):
    station_code: str
    visits_by_quarter: list[int]
    quarter_states: list[str]
    trainings: int
    training_state: str
    overdue: bool


CORRECTION = "考核期已发布时必填：修改作为更正记入操作日志"


class TrainingUpdateIn(TrainingIn):
    organiser: str = Field("", description="不填则保持原组织单位")
    correction_reason: str = Field("", description=CORRECTION)


class AttendanceImportOut(Schema):
    rows: int
    stations: int


class AttendanceCellErrorOut(Schema):
    row: int = Field(..., description="表格中的行号（第 1 行为表头）；0 为整个文件")
    column: str
    message: str


class AttendanceRejectedOut(Schema):
    detail: str
    errors: list[AttendanceCellErrorOut]


class ActivityIn(Schema):
    title: str
    start_date: date
    end_date: date
    report_due_at: datetime = Field(..., description="数据上报截止时间")
    organiser: str = ""
    description: str = ""
    required_stations: list[str] = Field(default_factory=list, description="应参加服务站的站点编码")


class ActivityUpdateIn(ActivityIn):
    organiser: str = Field("", description="不填则保持原组织单位")
    correction_reason: str = Field("", description=CORRECTION)


class ParticipationIn(Schema):
    participated: bool
    note: str = ""
    correction_reason: str = Field("", description=CORRECTION)


class ParticipationOut(Schema):
    activity_id: int
    station_code: str = Field(..., alias="station.code")
    participated: bool
    note: str
    recorded_at: datetime


class ActivityReportIn(Schema):
    orders: int = Field(..., ge=0)
    sales_amount: Annotated[Decimal, BeforeValidator(round_entered)] = Field(..., ge=0, max_digits=14)
    note: str = ""
    correction_reason: str = Field("", description=CORRECTION)


class ActivityReportOut(Schema):
    activity_id: int
    station_code: str = Field(..., alias="station.code")
    orders: int
    sales_amount: Decimal
    note: str
    submitted_at: datetime


class GuidanceIn(Schema):
    station: str = Field(..., description="站点编码")
    kind: str = Field(..., description="visit 指导服务 / training 辅导培训")
    visited_on: date
    content: str


def _kept_organiser(data: dict) -> dict:
    """An edit without an organiser keeps the one recorded (a new event names its unit by itself)."""
    if not data.get("organiser", "").strip():
        data.pop("organiser", None)
    return data


def _stations(user, codes: list[str]):
    found = {s.code: s for s in stations_for_user(user).filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(_("服务站不存在或不在您的管辖范围内：%(codes)s") % {"codes": "、".join(missing)})
    return [found[c] for c in codes]


@router.get("/trainings", response=list[TrainingOut], summary="培训")
@paginate(LimitOffsetPagination)
def list_trainings(request, year: int | None = None):
    trainings = selectors.trainings_for_user(request.user)
    return trainings.filter(start_date__year=year) if year else trainings


@router.post("/trainings", response={201: TrainingOut}, summary="登记培训")
def create_training(request, payload: TrainingIn):
    county = selectors.county_of_user(request.user)
    if county is None:
        raise PermissionDenied(_("请使用县电商办或运营单位账号登记培训。"))
    data = payload.dict()
    stations = _stations(request.user, data.pop("required_stations"))
    training = services.training_create(acting_user=request.user, county=county, required_stations=stations, **data)
    return Status(201, selectors.get_training_for_user_or_404(request.user, training.pk))


@router.get("/trainings/{pk}", response=TrainingOut, summary="一次培训")
def get_training(request, pk: int):
    return selectors.get_training_for_user_or_404(request.user, pk)


@router.get("/trainings/{pk}/attendance", response=list[AttendanceOut], summary="培训出勤")
def list_attendance(request, pk: int):
    training = selectors.get_training_for_user_or_404(request.user, pk)
    return selectors.attendance_for_user(request.user).filter(training=training)


@router.post("/trainings/{pk}/attendance", response=list[AttendanceOut], summary="登记出勤（按人覆盖）")
def record_attendance(request, pk: int, payload: AttendanceBatchIn):
    training = selectors.get_training_for_user_or_404(request.user, pk)
    stations = {s.code: s for s in _stations(request.user, sorted({line.station for line in payload.lines}))}
    lines = [
        services.AttendanceLine(
            station=stations[line.station],
            person_name=line.person_name,
            phone=line.phone,
            status=line.status,
            test_result=line.test_result,
        )
        for line in payload.lines
    ]
    return services.attendance_record(
        acting_user=request.user, training=training, lines=lines, correction_reason=payload.correction_reason
    )


@router.put("/trainings/{pk}", response=TrainingOut, summary="修改培训（已发布的考核期须填更正理由）")
def update_training(request, pk: int, payload: TrainingUpdateIn):
    training = selectors.get_training_for_user_or_404(request.user, pk)
    data = _kept_organiser(payload.dict())
    stations = _stations(request.user, data.pop("required_stations"))
    services.training_update(acting_user=request.user, training=training, required_stations=stations, **data)
    return selectors.get_training_for_user_or_404(request.user, training.pk)


@router.post(
    "/trainings/{pk}/attendance/import",
    response={200: AttendanceImportOut, 422: AttendanceRejectedOut},
    summary="导入出勤登记表（.xlsx/.csv，整表校验，有错则不写入）",
)
def import_attendance(request, pk: int, file: File[UploadedFile], correction_reason: Form[str] = ""):
    training = selectors.get_training_for_user_or_404(request.user, pk)
    request.user.scope.require("attendance.record")
    try:
        summary = importers.import_attendance(
            acting_user=request.user,
            training=training,
            source=file,
            name=file.name,
            correction_reason=correction_reason,
        )
    except ImportRejected as exc:
        errors = [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors]
        return Status(422, {"detail": _("文件有 %(n)d 处错误，未写入任何出勤") % {"n": len(errors)}, "errors": errors})
    return Status(200, {"rows": summary.rows, "stations": summary.stations})


@router.get("/marketing", response=list[ActivityOut], summary="营销活动")
@paginate(LimitOffsetPagination)
def list_activities(request, year: int | None = None):
    activities = selectors.activities_for_user(request.user)
    return activities.filter(start_date__year=year) if year else activities


@router.post("/marketing", response={201: ActivityOut}, summary="登记营销活动")
def create_activity(request, payload: ActivityIn):
    county = selectors.county_of_user(request.user)
    if county is None:
        raise PermissionDenied(_("请使用县电商办或运营单位账号登记营销活动。"))
    data = payload.dict()
    stations = _stations(request.user, data.pop("required_stations"))
    activity = services.activity_create(acting_user=request.user, county=county, required_stations=stations, **data)
    return Status(201, selectors.get_activity_for_user_or_404(request.user, activity.pk))


@router.put("/marketing/{pk}", response=ActivityOut, summary="修改营销活动（已发布的考核期须填更正理由）")
def update_activity(request, pk: int, payload: ActivityUpdateIn):
    activity = selectors.get_activity_for_user_or_404(request.user, pk)
    data = _kept_organiser(payload.dict())
    stations = _stations(request.user, data.pop("required_stations"))
    services.activity_update(acting_user=request.user, activity=activity, required_stations=stations, **data)
    return selectors.get_activity_for_user_or_404(request.user, activity.pk)


def _activity_station(request, pk: int, code: str):
    activity = selectors.get_activity_for_user_or_404(request.user, pk)
    return activity, request.user.scope.get_or_404(activity.required_stations.all(), code=code)


@router.put(
    "/marketing/{pk}/stations/{code}/participation",
    response=ParticipationOut,
    summary="登记一个服务站是否参加了活动",
)
def record_participation(request, pk: int, code: str, payload: ParticipationIn):
    activity, station = _activity_station(request, pk, code)
    return services.participation_record(acting_user=request.user, activity=activity, station=station, **payload.dict())


@router.put(
    "/marketing/{pk}/stations/{code}/report",
    response=ActivityReportOut,
    summary="上报一个服务站的活动数据（订单数、销售额）",
    description="截止时间后仍可上报，但仍计为未按时上报；首次上报的时间不因修改而改变。",
)
def submit_activity_report(request, pk: int, code: str, payload: ActivityReportIn):
    activity, station = _activity_station(request, pk, code)
    return services.activity_report_submit(
        acting_user=request.user, activity=activity, station=station, **payload.dict()
    )


@router.get("/marketing/{pk}", response=ActivityOut, summary="一次营销活动")
def get_activity(request, pk: int):
    return selectors.get_activity_for_user_or_404(request.user, pk)


@router.get("/marketing/{pk}/stations", response=list[ActivityStationOut], summary="各站参与和数据上报")
def activity_stations(request, pk: int):
    activity = selectors.get_activity_for_user_or_404(request.user, pk)
    return [
        {
            "station_code": g["station"].code,
            "participated": g["participation"].participated if g["participation"] else None,
            "report_state": g["report_state"],
            "orders": g["report"].orders if g["report"] else None,
            "sales_amount": g["report"].sales_amount if g["report"] else None,
        }
        for g in selectors.activity_grid(request.user, activity)
    ]


@router.get("/guidance", response=list[GuidanceOut], summary="运营指导记录")
@paginate(LimitOffsetPagination)
def list_guidance(request, year: int | None = None):
    visits = selectors.guidance_for_user(request.user)
    return visits.filter(visited_on__year=year) if year else visits


@router.post("/guidance", response={201: GuidanceOut}, summary="登记运营指导（运营单位）")
def record_guidance(request, payload: GuidanceIn):
    data = payload.dict()
    (station,) = _stations(request.user, [data.pop("station")])
    return Status(201, services.guidance_record(acting_user=request.user, station=station, **data))


@router.get("/guidance/status", response=list[GuidanceStatusOut], summary="各站运营指导完成情况（含逾期）")
def guidance_status(request, year: int, overdue: bool = False):
    rows = selectors.guidance_overview(request.user, year)
    return [
        {
            "station_code": r.station.code,
            "visits_by_quarter": r.visits,
            "quarter_states": r.quarter_states,
            "trainings": r.trainings,
            "training_state": r.training_state,
            "overdue": r.overdue,
        }
        for r in rows
        if r.overdue or not overdue
    ]
