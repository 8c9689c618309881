"""API for trainings, attendance, marketing activities and guidance, under /api/v1/activities."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.activities import selectors, services
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


def _stations(user, codes: list[str]):
    found = {s.code: s for s in stations_for_user(user).filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        from django.core.exceptions import ValidationError

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


@router.get("/marketing", response=list[ActivityOut], summary="营销活动")
@paginate(LimitOffsetPagination)
def list_activities(request, year: int | None = None):
    activities = selectors.activities_for_user(request.user)
    return activities.filter(start_date__year=year) if year else activities


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
