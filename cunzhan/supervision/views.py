"""Pages for inspections (a phone form), photos, complaints and public reports, daily-supervision
events and a station's evidence. Reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.core.forms import apply_validation_error
from cunzhan.core.periods import Period, is_frozen
from cunzhan.core.roles import Role
from cunzhan.stations.selectors import get_station_for_user_or_404, stations_for_user
from cunzhan.supervision import selectors, services
from cunzhan.supervision.forms import (
    ComplaintForm,
    EventForm,
    EventVerifyForm,
    InspectionForm,
    PhotoForm,
    VerifyForm,
)
from cunzhan.supervision.indicators import indicators_for
from cunzhan.supervision.models import ComplaintKind, EventKind, VerificationStatus
from cunzhan.supervision.photos import max_photo_bytes
from cunzhan.supervision.rating_items import RATING_ITEMS

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


# -- inspections ----------------------------------------------------------------------------------


@login_required
def inspection_list(request):
    inspections = selectors.inspections_for_user(request.user)
    year = request.GET.get("year", "")
    if year.isdigit():
        inspections = inspections.filter(year=int(year))
    half = request.GET.get("half", "")
    if half in ("H1", "H2"):
        inspections = inspections.filter(half=half)
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "page": _page(request, inspections),
            "year": year,
            "half": half,
            "item_count": len(RATING_ITEMS),
            "can_record": request.user.scope.can("inspection.record"),
        },
    )


def _inspection_rows(form, indicators):
    return [
        {
            "item": item,
            "score": form[f"score_{item.key}"],
            "comment": form[f"comment_{item.key}"],
            "indicator": indicators.for_key(item.indicator) if indicators and item.indicator else None,
            "has_indicator": bool(item.indicator),
        }
        for item in RATING_ITEMS
    ]


def _inspection_form_view(request, inspection=None):
    user = request.user
    user.scope.require("inspection.record")
    stations = stations_for_user(user).order_by("code")
    if inspection is not None:
        initial = {
            "station": inspection.station,
            "year": inspection.year,
            "half": inspection.half,
            "inspected_at": inspection.inspected_at,
            "location": inspection.location,
            "latitude": inspection.latitude,
            "longitude": inspection.longitude,
            "note": inspection.note,
        }
        for rating in inspection.ratings.all():
            initial[f"score_{rating.key}"] = rating.score
            initial[f"comment_{rating.key}"] = rating.comment
        station = inspection.station
    else:
        initial = InspectionForm.default_initial()
        station = stations.filter(code=request.GET.get("station", "")).first()
        initial["station"] = station
    refreshing = request.method == "POST" and "refresh" in request.POST
    if refreshing:
        # "刷新指标": the indicators of the station now chosen, everything typed kept, nothing saved
        form = InspectionForm(initial=request.POST.dict(), stations=stations)
        chosen = request.POST.get("station", "")
        station = stations.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    else:
        form = InspectionForm(request.POST or None, initial=initial, stations=stations)
    if request.method == "POST" and not refreshing and form.is_valid():
        data = form.cleaned_data
        station = data["station"]
        try:
            saved = services.inspection_save(
                acting_user=user,
                inspection=inspection,
                station=station,
                year=data["year"],
                half=data["half"],
                inspected_at=data["inspected_at"],
                ratings=form.ratings(),
                latitude=data["latitude"],
                longitude=data["longitude"],
                location=data["location"],
                note=data["note"],
                correction_reason=data["correction_reason"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, errors in exc.error_dict.items():
                    target = f"score_{key}" if f"score_{key}" in form.fields else (key if key in form.fields else None)
                    for error in errors:
                        form.add_error(target, error)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("察看记录已保存。"))
            return redirect("supervision:inspection", pk=saved.pk)
    frozen = inspection is not None and is_frozen(
        inspection.station.county_code, Period(inspection.year, inspection.half).start
    )
    return render(
        request,
        "supervision/inspection_form.html",
        {
            "form": form,
            "inspection": inspection,
            "station": station,
            "rows": _inspection_rows(form, indicators_for(station) if station else None),
            "frozen": frozen,
            "refreshing": refreshing,
        },
    )


@login_required
def inspection_create(request):
    return _inspection_form_view(request)


@login_required
def inspection_edit(request, pk: int):
    return _inspection_form_view(request, selectors.get_inspection_for_user_or_404(request.user, pk))


@login_required
def inspection_detail(request, pk: int):
    user = request.user
    inspection = selectors.get_inspection_for_user_or_404(user, pk)
    can_edit = user.scope.can("inspection.record") and (
        Role(user.role) != Role.SUPERVISOR or inspection.inspector_id == user.pk
    )
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "rows": selectors.rating_rows(inspection),
            "complete": selectors.is_complete(inspection),
            "photos": inspection.photos.all(),
            "photo_form": PhotoForm(),
            "can_edit": can_edit,
            "max_mb": max_photo_bytes() // (1024 * 1024),
            "frozen": is_frozen(inspection.station.county_code, Period(inspection.year, inspection.half).start),
        },
    )


@login_required
@require_POST
def inspection_photo_upload(request, pk: int):
    user = request.user
    inspection = selectors.get_inspection_for_user_or_404(user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("supervision:inspection", pk=inspection.pk)
    try:
        services.inspection_photo_add(
            acting_user=user,
            inspection=inspection,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["photo"],
            correction_reason=request.POST.get("correction_reason", ""),
        )
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, _("照片已上传。"))
    return redirect("supervision:inspection", pk=inspection.pk)


def _serve(field_file, content_type: str | None = None):
    if not field_file:
        raise Http404(_("没有照片。"))
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件已丢失。")) from None
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photo(request, pk: int):
    item = request.user.scope.get_or_404(selectors.photos_for_user(request.user), pk=pk)
    return _serve(item.file, item.content_type)


# -- complaints and public reports ----------------------------------------------------------------


@login_required
def complaint_list(request):
    complaints = selectors.complaints_for_user(request.user)
    status = request.GET.get("status", "")
    if status in VerificationStatus.values:
        complaints = complaints.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in ComplaintKind.values:
        complaints = complaints.filter(kind=kind)
    return render(
        request,
        "supervision/complaint_list.html",
        {
            "page": _page(request, complaints),
            "status": status,
            "kind": kind,
            "statuses": VerificationStatus.choices,
            "kinds": ComplaintKind.choices,
            "can_record": request.user.scope.can("complaint.record"),
        },
    )


@login_required
def complaint_create(request):
    user = request.user
    user.scope.require("complaint.record")
    stations = stations_for_user(user).order_by("code")
    initial = {
        "received_at": timezone.localtime(),
        "station": stations.filter(code=request.GET.get("station", "")).first(),
        "kind": request.GET.get("kind", ComplaintKind.PARCEL),
    }
    form = ComplaintForm(request.POST or None, initial=initial, stations=stations)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_record(acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="description")
        else:
            messages.success(request, _("已登记，待核实。"))
            return redirect("supervision:complaint", pk=complaint.pk)
    return render(request, "activities/form.html", {"form": form, "title": _("登记投诉举报")})


@login_required
def complaint_detail(request, pk: int):
    user = request.user
    complaint = user.scope.get_or_404(selectors.complaints_for_user(user), pk=pk)
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_verify(
                acting_user=user,
                complaint=complaint,
                verified=request.POST.get("decision") == "verify",
                evidence=form.cleaned_data["evidence"],
                photo=form.cleaned_data["photo"],
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="evidence")
        else:
            messages.success(request, _("核实结果已保存。"))
            return redirect("supervision:complaint", pk=complaint.pk)
    return render(
        request,
        "supervision/complaint_detail.html",
        {
            "complaint": complaint,
            "form": form,
            "can_verify": user.scope.can("complaint.verify"),
            "frozen": is_frozen(complaint.station.county_code, complaint.received_at),
        },
    )


@login_required
def complaint_photo(request, pk: int):
    complaint = request.user.scope.get_or_404(selectors.complaints_for_user(request.user), pk=pk)
    return _serve(complaint.evidence_photo, _content_type(complaint.evidence_photo.name))


def _content_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(suffix, "application/octet-stream")


# -- daily-supervision events ---------------------------------------------------------------------


@login_required
def event_list(request):
    events = selectors.events_for_user(request.user)
    status = request.GET.get("status", "")
    if status in VerificationStatus.values:
        events = events.filter(status=status)
    return render(
        request,
        "supervision/event_list.html",
        {
            "page": _page(request, events),
            "status": status,
            "statuses": VerificationStatus.choices,
            "can_record": request.user.scope.can("supervision_event.record"),
            "public_reports": selectors.complaints_for_user(request.user).filter(
                kind=ComplaintKind.PUBLIC_REPORT, status=VerificationStatus.VERIFIED
            )[:50],
        },
    )


@login_required
def event_create(request):
    user = request.user
    user.scope.require("supervision_event.record")
    stations = stations_for_user(user).order_by("code")
    initial = {
        "occurred_on": timezone.localdate(),
        "station": stations.filter(code=request.GET.get("station", "")).first(),
    }
    form = EventForm(request.POST or None, request.FILES or None, initial=initial, stations=stations)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.supervision_event_record(acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="evidence")
        else:
            messages.success(request, _("已登记，待县电商办核实。"))
            return redirect("supervision:event", pk=event.pk)
    return render(request, "activities/form.html", {"form": form, "title": _("登记日常督查情况")})


@login_required
def event_detail(request, pk: int):
    user = request.user
    event = user.scope.get_or_404(selectors.events_for_user(user), pk=pk)
    form = EventVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_event_verify(
                acting_user=user,
                event=event,
                verified=request.POST.get("decision") == "verify",
                note=form.cleaned_data["note"],
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="note")
        else:
            messages.success(request, _("核实结果已保存。"))
            return redirect("supervision:event", pk=event.pk)
    return render(
        request,
        "supervision/event_detail.html",
        {
            "event": event,
            "form": form,
            "can_verify": user.scope.can("supervision_event.verify"),
            "frozen": is_frozen(event.station.county_code, event.occurred_on),
        },
    )


@login_required
def event_photo(request, pk: int):
    event = request.user.scope.get_or_404(selectors.events_for_user(request.user), pk=pk)
    return _serve(event.evidence_photo, _content_type(event.evidence_photo.name))


# -- a station's evidence -------------------------------------------------------------------------


@login_required
def station_evidence(request, code: str):
    user = request.user
    station = get_station_for_user_or_404(user, code)
    year = _year(request)
    context = selectors.station_evidence(user, station, year=year)
    return render(
        request,
        "supervision/station_evidence.html",
        {
            "station": station,
            "year": year,
            "indicators": indicators_for(station),
            "event_kinds": EventKind.choices,
            "can_inspect": user.scope.can("inspection.record"),
            "can_complain": user.scope.can("complaint.record"),
            **context,
        },
    )
