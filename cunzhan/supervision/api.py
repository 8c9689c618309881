"""API for inspections, photos, complaints and daily-supervision events, under /api/v1/supervision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from cunzhan.stations.selectors import get_station_for_user_or_404
from cunzhan.supervision import selectors, services
from cunzhan.supervision.rating_items import RATING_ITEMS

router = Router(tags=["督查"])


class RatingItemOut(Schema):
    key: str
    item: int
    label: str
    max: Decimal
    indicator: str


class RatingIn(Schema):
    score: Decimal | None = None
    comment: str = ""


class RatingOut(Schema):
    key: str
    score: Decimal
    comment: str


class InspectionIn(Schema):
    station: str = Field(..., description="站点编码")
    year: int
    half: str = Field(..., description="H1 / H2")
    inspected_at: datetime
    ratings: dict[str, RatingIn] = Field(default_factory=dict, description="评分项 key → 得分与扣分说明")
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    location: str = ""
    note: str = ""
    correction_reason: str = ""
    inspector: str | None = Field(
        None,
        description="察看人账号（用户名，负责该站的镇村督查员或本县电商办）：仅县电商办补录他人的历史察看时填写"
        "（历史导入）；其他账号填写则拒绝（403），察看人为本人",
    )


class InspectionOut(Schema):
    id: int
    station_code: str = Field(..., alias="station.code")
    year: int
    half: str
    inspector_id: int
    inspected_at: datetime
    latitude: Decimal | None
    longitude: Decimal | None
    location: str
    note: str
    complete: bool
    ratings: list[RatingOut]

    @staticmethod
    def resolve_complete(obj) -> bool:
        return selectors.is_complete(obj)


class PhotoOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    uploaded_at: datetime


class ComplaintIn(Schema):
    station: str
    kind: str = Field(..., description="parcel / public_report")
    received_at: datetime
    description: str
    complainant: str = ""
    complainant_phone: str = ""


class VerifyIn(Schema):
    verified: bool
    evidence: str = ""
    correction_reason: str = ""


class ComplaintOut(Schema):
    id: int
    station_code: str = Field(..., alias="station.code")
    kind: str
    received_at: datetime
    description: str
    status: str
    evidence: str
    verified_at: datetime | None


# Named apart from cunzhan.stations.api's EventOut: the OpenAPI document keys schemas by class name,
# so two classes of one name would share one description (the other's).
class SupervisionEventIn(Schema):
    station: str
    kind: str = Field(..., description="not_cooperating / poor_performance / leader_criticism_or_media")
    occurred_on: date
    description: str
    evidence: str


class EventVerifyIn(Schema):
    verified: bool
    note: str = ""
    correction_reason: str = ""


class SupervisionEventOut(Schema):
    id: int
    station_code: str = Field(..., alias="station.code")
    kind: str
    occurred_on: date
    description: str
    evidence: str
    status: str
    verification_note: str
    verified_at: datetime | None


def _ratings(payload: InspectionIn) -> dict:
    return {key: (r.score, r.comment) for key, r in payload.ratings.items()}


def _inspector(request, payload: InspectionIn):
    """The account named as the inspector, refused (403) before it is looked up unless the user may."""
    if payload.inspector is None:
        return None
    request.user.scope.require_to_record("inspection.record", given=payload.inspector, what=_("察看人"))
    return selectors.inspector_named(request.user, payload.inspector)


@router.get("/rating-items", response=list[RatingItemOut], summary="实地察看评分项及满分")
def rating_items(request):
    return [
        {"key": i.key, "item": i.item, "label": str(i.label), "max": i.max, "indicator": i.indicator}
        for i in RATING_ITEMS
    ]


@router.get("/inspections", response=list[InspectionOut], summary="实地察看")
@paginate(LimitOffsetPagination)
def list_inspections(request, year: int | None = None, half: str | None = None):
    inspections = selectors.inspections_for_user(request.user).prefetch_related("ratings")
    if year:
        inspections = inspections.filter(year=year)
    if half:
        inspections = inspections.filter(half=half)
    return inspections


@router.get("/inspections/{pk}", response=InspectionOut, summary="一次实地察看")
def get_inspection(request, pk: int):
    return selectors.get_inspection_for_user_or_404(request.user, pk)


@router.post("/inspections", response={201: InspectionOut}, summary="登记实地察看")
def create_inspection(request, payload: InspectionIn):
    station = get_station_for_user_or_404(request.user, payload.station)
    inspection = services.inspection_save(
        acting_user=request.user,
        station=station,
        year=payload.year,
        half=payload.half,
        inspected_at=payload.inspected_at,
        ratings=_ratings(payload),
        latitude=payload.latitude,
        longitude=payload.longitude,
        location=payload.location,
        note=payload.note,
        inspector=_inspector(request, payload),
    )
    return Status(201, selectors.get_inspection_for_user_or_404(request.user, inspection.pk))


@router.put("/inspections/{pk}", response=InspectionOut, summary="修改实地察看（已发布的考核期须填更正理由）")
def update_inspection(request, pk: int, payload: InspectionIn):
    inspection = selectors.inspection_to_change_for_user_or_404(request.user, pk)
    station = get_station_for_user_or_404(request.user, payload.station)
    services.inspection_save(
        acting_user=request.user,
        inspection=inspection,
        station=station,
        year=payload.year,
        half=payload.half,
        inspected_at=payload.inspected_at,
        ratings=_ratings(payload),
        latitude=payload.latitude,
        longitude=payload.longitude,
        location=payload.location,
        note=payload.note,
        correction_reason=payload.correction_reason,
        inspector=_inspector(request, payload),
    )
    return selectors.inspection_as_saved(inspection.pk)


@router.post("/inspections/{pk}/photos", response={201: PhotoOut}, summary="上传察看照片（JPEG/PNG/WebP）")
def upload_photo(request, pk: int, kind: Form[str], photo: File[UploadedFile]):
    inspection = selectors.get_inspection_for_user_or_404(request.user, pk)
    return Status(
        201, services.inspection_photo_add(acting_user=request.user, inspection=inspection, kind=kind, upload=photo)
    )


@router.get("/complaints", response=list[ComplaintOut], summary="投诉举报")
@paginate(LimitOffsetPagination)
def list_complaints(request, status: str | None = None, kind: str | None = None):
    complaints = selectors.complaints_for_user(request.user)
    if status:
        complaints = complaints.filter(status=status)
    if kind:
        complaints = complaints.filter(kind=kind)
    return complaints


@router.post("/complaints", response={201: ComplaintOut}, summary="登记投诉或群众举报")
def create_complaint(request, payload: ComplaintIn):
    data = payload.dict()
    station = get_station_for_user_or_404(request.user, data.pop("station"))
    return Status(201, services.complaint_record(acting_user=request.user, station=station, **data))


@router.post("/complaints/{pk}/verify", response=ComplaintOut, summary="核实投诉举报（属实/不属实）")
def verify_complaint(request, pk: int, payload: VerifyIn):
    complaint = request.user.scope.get_or_404(selectors.complaints_for_user(request.user), pk=pk)
    return services.complaint_verify(
        acting_user=request.user,
        complaint=complaint,
        verified=payload.verified,
        evidence=payload.evidence,
        correction_reason=payload.correction_reason,
    )


@router.get("/events", response=list[SupervisionEventOut], summary="日常督查记录")
@paginate(LimitOffsetPagination)
def list_events(request, status: str | None = None):
    events = selectors.events_for_user(request.user)
    return events.filter(status=status) if status else events


@router.post("/events", response={201: SupervisionEventOut}, summary="登记日常督查情况")
def create_event(request, payload: SupervisionEventIn):
    data = payload.dict()
    station = get_station_for_user_or_404(request.user, data.pop("station"))
    return Status(201, services.supervision_event_record(acting_user=request.user, station=station, **data))


@router.post("/events/{pk}/verify", response=SupervisionEventOut, summary="核实日常督查情况")
def verify_event(request, pk: int, payload: EventVerifyIn):
    event = request.user.scope.get_or_404(selectors.events_for_user(request.user), pk=pk)
    return services.supervision_event_verify(
        acting_user=request.user,
        event=event,
        verified=payload.verified,
        note=payload.note,
        correction_reason=payload.correction_reason,
    )
