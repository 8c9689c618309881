"""Every write to inspections, complaints, public reports and daily-supervision events.

One function per business action, keyword-only, one transaction each. Records of a published
assessment period are frozen; the ``*_correct`` variants change them with a logged reason.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core.audit import acting, log_event, log_updates
from cunzhan.core.models import Half
from cunzhan.core.money import has_more_places, round_score
from cunzhan.core.periods import Period, ensure_editable
from cunzhan.core.roles import Role
from cunzhan.core.scoping import scope_of
from cunzhan.stations.models import Station
from cunzhan.supervision.models import (
    RECORDABLE_EVENT_KINDS,
    Complaint,
    ComplaintKind,
    EventKind,
    Inspection,
    InspectionPhoto,
    InspectionRating,
    PhotoKind,
    SupervisionEvent,
    VerificationStatus,
)
from cunzhan.supervision.photos import EXTENSIONS, validate_photo
from cunzhan.supervision.rating_items import ITEMS_BY_KEY


def _log_correction(user: User, obj: Any, reason: str, corrected: bool) -> None:
    if corrected:
        log_event(actor=user, obj=obj, message="correction", data={"reason": reason.strip()})


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正理由。")})


def _photo_file(upload: UploadedFile, content_type: str) -> UploadedFile:
    """Store under a random name: the uploader's file name is neither trusted nor kept."""
    upload.name = f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}"
    return upload


# -- ratings ------------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def parse_score(key: str, raw: Any) -> Decimal | None:
    """A sub-item's score: None when left empty; ValidationError naming the sub-item otherwise."""
    item = ITEMS_BY_KEY[key]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("“%(label)s”须填数字，不能填“%(value)s”") % {"label": item.label, "value": raw}
        ) from None
    if value < 0:
        raise ValidationError(
            _("“%(label)s”不能为负数，不能填 %(value)s") % {"label": item.label, "value": _fmt(value)}
        )
    if value > item.max:
        raise ValidationError(
            _("“%(label)s”最高 %(max)s 分，不能填 %(value)s")
            % {"label": item.label, "max": _fmt(item.max), "value": _fmt(value)}
        )
    if has_more_places(value, 2):
        raise ValidationError(_("“%(label)s”最多保留两位小数") % {"label": item.label})
    return round_score(value)


def validate_ratings(ratings: Mapping[str, tuple[Any, str]]) -> dict[str, tuple[Decimal, str]]:
    """Check every rating; ValidationError keyed by sub-item with every problem found.

    ``ratings`` maps a sub-item key to (score, comment); an empty score leaves the sub-item unrated.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, tuple[Decimal, str]] = {}
    for key, (raw, comment) in ratings.items():
        if key not in ITEMS_BY_KEY:
            errors.setdefault("__all__", []).append(_("未知的评分项：%(key)s") % {"key": key})
            continue
        item = ITEMS_BY_KEY[key]
        try:
            score = parse_score(key, raw)
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        comment = (comment or "").strip()
        if score is None:
            continue
        if score < item.max and not comment:
            errors[key] = [
                _("“%(label)s”扣了分（%(score)s / %(max)s），请填写扣分说明")
                % {"label": item.label, "score": _fmt(score), "max": _fmt(item.max)}
            ]
            continue
        clean[key] = (score, comment)
    if errors:
        raise ValidationError(errors)
    return clean


# -- inspections -----------------------------------------------------------------------------


def _require_inspector(user: User, inspection: Inspection) -> None:
    """A town supervisor changes only the inspections he made; the county office any in scope."""
    if Role(user.role) == Role.SUPERVISOR and inspection.inspector_id != user.pk:
        raise PermissionDenied(_("只能修改本人的察看记录。"))


def _check_inspector(inspector: User, station: Station) -> None:
    """An inspection is made by a supervisor of the station's township or by the county office."""
    role = Role(inspector.role)
    if (
        not inspector.is_active
        or role not in (Role.SUPERVISOR, Role.COUNTY_OFFICE)
        or not scope_of(inspector).covers_station(station)
    ):
        raise ValidationError(
            {
                "inspector": _("察看人 %(name)s 须为负责服务站 %(code)s 的镇村督查员或本县电商办的在用账号。")
                % {"name": inspector.username, "code": station.code}
            }
        )


def _check_period(year: int, half: str, inspected_at: datetime) -> Period:
    if half not in Half.values:
        raise ValidationError({"half": _("考核期无效。")})
    period = Period(int(year), half)
    if timezone.is_naive(inspected_at):
        raise ValidationError({"inspected_at": _("察看时间须带时区。")})
    if inspected_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"inspected_at": _("察看时间不能晚于现在。")})
    if inspected_at < period.start_at:
        raise ValidationError({"inspected_at": _("察看时间早于%(period)s，请检查考核期。") % {"period": period.label}})
    return period


@transaction.atomic
def inspection_save(
    *,
    acting_user: User,
    station: Station,
    year: int,
    half: str,
    inspected_at: datetime,
    ratings: Mapping[str, tuple[Any, str]],
    inspection: Inspection | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    location: str = "",
    note: str = "",
    correction_reason: str = "",
    is_demo: bool = False,
    inspector: User | None = None,
) -> Inspection:
    """Create (``inspection`` None) or update an inspection with its ratings.

    Sub-items left empty stay unrated (the inspection is then incomplete); sub-items given replace
    the earlier rating; every score is checked against its maximum with a reason for any deduction.
    The inspector is the acting user; ``inspector`` names another, a supervisor of the station's
    township or a county office account, when the county office brings its history (历史导入).
    """
    acting_user.scope.require("inspection.record")
    acting_user.scope.require_station(station)
    if inspector is not None:
        acting_user.scope.require_to_record("inspection.record", given=inspector, what=_("察看人"))
        _check_inspector(inspector, station)
    period = _check_period(year, half, inspected_at)
    # a first inspection of a published half-year is accepted and marked 补录; a change to one is a correction
    corrected = False
    if inspection is not None:
        corrected = ensure_editable(station.county_code, period.start, correction_reason=correction_reason)
        _require_inspector(acting_user, inspection)
        old = Period(inspection.year, inspection.half)
        if (inspection.station.county_code, old.start) != (station.county_code, period.start):  # else asked above
            corrected |= ensure_editable(inspection.station.county_code, old.start, correction_reason=correction_reason)
    clean = validate_ratings(ratings)
    if inspection is None:
        inspection = Inspection(inspector=acting_user, is_demo=is_demo)
    if inspector is not None:
        inspection.inspector = inspector
    inspection.station = station
    inspection.year, inspection.half = period.year, period.half
    inspection.inspected_at = inspected_at
    inspection.latitude, inspection.longitude = latitude, longitude
    inspection.location, inspection.note = location.strip(), note.strip()
    # the station was found in the user's scope and the inspector is a user: no query to prove they exist
    inspection.full_clean(exclude=["station", "inspector"])
    with acting(acting_user):
        inspection.save()
        _save_ratings(inspection, clean)
        _log_correction(acting_user, inspection, correction_reason, corrected)
    return inspection


def _save_ratings(inspection: Inspection, clean: Mapping[str, tuple[Decimal, str]]) -> None:
    """New ratings are created one by one; changed ones are written in one statement, each with its
    entry in the operation log (values before and after, read here under lock)."""
    existing = {r.key: r for r in InspectionRating.objects.select_for_update().filter(inspection=inspection)}
    changed = []
    for key, (score, comment) in clean.items():
        rating = existing.get(key)
        if rating is None:
            InspectionRating(inspection=inspection, key=key, score=score, comment=comment).save()
        elif rating.score != score or rating.comment != comment:
            before = copy.copy(rating)
            rating.score, rating.comment = score, comment
            changed.append((before, rating))
    if changed:
        InspectionRating.objects.bulk_update([after for _before, after in changed], ["score", "comment"])
        log_updates(changed)


def inspection_correct(*, acting_user: User, inspection: Inspection, reason: str, **changes: Any) -> Inspection:
    """Change an inspection of a published period; the reason is logged with the change."""
    _need_reason(reason)
    arguments = {
        "station": inspection.station,
        "year": inspection.year,
        "half": inspection.half,
        "inspected_at": inspection.inspected_at,
        "ratings": {},
        "latitude": inspection.latitude,
        "longitude": inspection.longitude,
        "location": inspection.location,
        "note": inspection.note,
        **changes,
    }
    return inspection_save(acting_user=acting_user, inspection=inspection, correction_reason=reason, **arguments)


@transaction.atomic
def inspection_photo_add(
    *,
    acting_user: User,
    inspection: Inspection,
    kind: str,
    upload: UploadedFile,
    max_bytes: int | None = None,
    correction_reason: str = "",
) -> InspectionPhoto:
    acting_user.scope.require("inspection.record")
    acting_user.scope.require_station(inspection.station)
    _require_inspector(acting_user, inspection)
    if kind not in PhotoKind.values:
        raise ValidationError({"kind": _("请选择照片类别（门头、店内、台账、设备）。")})
    content_type = validate_photo(upload, max_bytes=max_bytes)
    corrected = ensure_editable(
        inspection.station.county_code,
        Period(inspection.year, inspection.half).start,
        correction_reason=correction_reason,
    )
    size = upload.size or 0  # always known for an upload: validate_photo has compared it with the limit
    photo = InspectionPhoto(
        inspection=inspection,
        kind=kind,
        file=_photo_file(upload, content_type),
        content_type=content_type,
        size=size,
        uploaded_by=acting_user,
        uploaded_at=timezone.now(),
    )
    with acting(acting_user):
        photo.save()
        _log_correction(acting_user, photo, correction_reason, corrected)
    return photo


# -- complaints and public reports ------------------------------------------------------------


@transaction.atomic
def complaint_record(
    *,
    acting_user: User,
    station: Station,
    kind: str,
    received_at: datetime,
    description: str,
    complainant: str = "",
    complainant_phone: str = "",
    is_demo: bool = False,
) -> Complaint:
    acting_user.scope.require("complaint.record")
    acting_user.scope.require_station(station)
    if kind not in ComplaintKind.values:
        raise ValidationError({"kind": _("类别无效。")})
    if not description.strip():
        raise ValidationError({"description": _("请填写投诉或举报内容。")})
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"received_at": _("受理时间不能晚于现在。")})
    ensure_editable(station.county_code, received_at)
    complaint = Complaint(
        station=station,
        kind=kind,
        received_at=received_at,
        description=description.strip(),
        complainant=complainant.strip(),
        complainant_phone=complainant_phone.strip(),
        recorded_by=acting_user,
        recorded_at=timezone.now(),
        is_demo=is_demo,
    )
    complaint.full_clean()
    with acting(acting_user):
        complaint.save()
    return complaint


def _evidence_photo(upload: UploadedFile | None, max_bytes: int | None) -> UploadedFile | None:
    if upload is None:
        return None
    return _photo_file(upload, validate_photo(upload, max_bytes=max_bytes))


@transaction.atomic
def complaint_verify(
    *,
    acting_user: User,
    complaint: Complaint,
    verified: bool,
    evidence: str,
    photo: UploadedFile | None = None,
    max_bytes: int | None = None,
    correction_reason: str = "",
) -> Complaint:
    """Received → verified (属实, counts) or rejected (不属实), with the evidence found."""
    acting_user.scope.require("complaint.verify")
    acting_user.scope.require_station(complaint.station)
    corrected = ensure_editable(
        complaint.station.county_code, complaint.received_at, correction_reason=correction_reason
    )
    if complaint.status != VerificationStatus.RECEIVED and not correction_reason.strip():
        raise ValidationError(
            _("该记录已核实为“%(status)s”；如需改变结论，请提交更正并填写理由。")
            % {"status": complaint.get_status_display()}
        )
    if not evidence.strip():
        raise ValidationError({"evidence": _("请填写核实情况或证据。")})
    complaint.status = VerificationStatus.VERIFIED if verified else VerificationStatus.REJECTED
    complaint.evidence = evidence.strip()
    stored = _evidence_photo(photo, max_bytes)
    if stored is not None:
        complaint.evidence_photo = stored
    complaint.verified_by = acting_user
    complaint.verified_at = timezone.now()
    with acting(acting_user):
        complaint.save()
        _log_correction(acting_user, complaint, correction_reason, corrected or bool(correction_reason.strip()))
    return complaint


def complaint_correct(
    *, acting_user: User, complaint: Complaint, verified: bool, evidence: str, reason: str, **kw: Any
) -> Complaint:
    """Change a complaint's conclusion after it was verified or its period published."""
    _need_reason(reason)
    return complaint_verify(
        acting_user=acting_user,
        complaint=complaint,
        verified=verified,
        evidence=evidence,
        correction_reason=reason,
        **kw,
    )


# -- daily-supervision events ----------------------------------------------------------------


@transaction.atomic
def supervision_event_record(
    *,
    acting_user: User,
    station: Station,
    kind: str,
    occurred_on: date,
    description: str,
    evidence: str = "",
    photo: UploadedFile | None = None,
    max_bytes: int | None = None,
    is_demo: bool = False,
) -> SupervisionEvent:
    acting_user.scope.require("supervision_event.record")
    acting_user.scope.require_station(station)
    if kind == EventKind.PUBLIC_REPORT:
        raise ValidationError({"kind": _("群众举报请在“投诉举报”中登记并核实，核实属实后自动计入日常督查。")})
    if kind not in RECORDABLE_EVENT_KINDS:
        raise ValidationError({"kind": _("类别无效。")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("发生日期不能晚于今天。")})
    if not description.strip():
        raise ValidationError({"description": _("请填写情况说明。")})
    if not evidence.strip() and photo is None:
        raise ValidationError({"evidence": _("请填写证据或上传证据照片。")})
    ensure_editable(station.county_code, occurred_on)
    event = SupervisionEvent(
        station=station,
        kind=kind,
        occurred_on=occurred_on,
        description=description.strip(),
        evidence=evidence.strip(),
        recorded_by=acting_user,
        recorded_at=timezone.now(),
        is_demo=is_demo,
    )
    stored = _evidence_photo(photo, max_bytes)
    if stored is not None:
        event.evidence_photo = stored
    event.full_clean()
    with acting(acting_user):
        event.save()
    return event


@transaction.atomic
def supervision_event_verify(
    *,
    acting_user: User,
    event: SupervisionEvent,
    verified: bool,
    note: str = "",
    correction_reason: str = "",
) -> SupervisionEvent:
    acting_user.scope.require("supervision_event.verify")
    acting_user.scope.require_station(event.station)
    corrected = ensure_editable(event.station.county_code, event.occurred_on, correction_reason=correction_reason)
    if event.status != VerificationStatus.RECEIVED and not correction_reason.strip():
        raise ValidationError(
            _("该记录已核实为“%(status)s”；如需改变结论，请提交更正并填写理由。")
            % {"status": event.get_status_display()}
        )
    if not verified and not note.strip():
        raise ValidationError({"note": _("认定不属实时请写明理由。")})
    event.status = VerificationStatus.VERIFIED if verified else VerificationStatus.REJECTED
    event.verification_note = note.strip()
    event.verified_by = acting_user
    event.verified_at = timezone.now()
    with acting(acting_user):
        event.save()
        _log_correction(acting_user, event, correction_reason, corrected or bool(correction_reason.strip()))
    return event


def supervision_event_correct(
    *, acting_user: User, event: SupervisionEvent, verified: bool, reason: str, note: str = ""
) -> SupervisionEvent:
    _need_reason(reason)
    return supervision_event_verify(
        acting_user=acting_user, event=event, verified=verified, note=note, correction_reason=reason
    )
