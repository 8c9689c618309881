"""Pages for trainings and attendance, marketing activities, guidance visits and people's
computed training records. Reads through selectors, writes through services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.activities import importers, selectors, services
from cunzhan.activities.forms import ActivityForm, ActivityReportForm, GuidanceForm, ImportForm, TrainingForm
from cunzhan.activities.models import AttendanceStatus, ExamResult
from cunzhan.core.forms import apply_validation_error
from cunzhan.core.periods import is_frozen
from cunzhan.core.roles import Role
from cunzhan.core.tabular import ImportRejected
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station
from cunzhan.stations.selectors import stations_for_user

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


def _county_stations(user, county: Region | None):
    stations = stations_for_user(user).order_by("code")
    return stations.filter(county_code=county.code) if county else stations


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# -- trainings ---------------------------------------------------------------------------------


@login_required
def training_list(request):
    trainings = selectors.trainings_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        trainings = trainings.filter(Q(topic__icontains=query) | Q(organiser__icontains=query))
    year = request.GET.get("year", "")
    if year.isdigit():
        trainings = trainings.filter(start_date__year=int(year))
    return render(
        request,
        "activities/training_list.html",
        {
            "page": _page(request, trainings),
            "q": query,
            "year": year,
            "can_create": _can_create(request.user, "training.manage"),
        },
    )


def _can_create(user, permission: str) -> bool:
    """Whether to offer the new-event form: the right to manage events and a county to hold them (an
    administrator has the right but no county; the form would refuse them)."""
    return user.scope.can(permission) and selectors.county_of_user(user) is not None


def _training_form_view(request, training=None):
    user = request.user
    user.scope.require("training.manage")
    county = training.county if training else selectors.county_of_user(user)
    if county is None:
        raise PermissionDenied(_("请使用县电商办或运营单位账号登记培训。"))
    initial = {}
    if training is not None:
        initial = {
            "topic": training.topic,
            "organiser": training.organiser,
            "start_date": training.start_date,
            "days": training.days,
            "is_pre_job": training.is_pre_job,
            "location": training.location,
            "required_stations": list(training.required_stations.values_list("pk", flat=True)),
        }
    form = TrainingForm(request.POST or None, initial=initial, stations=_county_stations(user, county))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("correction_reason")
        stations = data.pop("required_stations")
        try:
            if training is None:
                training = services.training_create(acting_user=user, county=county, required_stations=stations, **data)
            else:
                services.training_update(
                    acting_user=user,
                    training=training,
                    required_stations=stations,
                    correction_reason=reason,
                    **data,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="correction_reason")
        else:
            messages.success(request, _("培训已保存。"))
            return redirect("activities:training", pk=training.pk)
    frozen = training is not None and is_frozen(training.county_id, training.start_date)
    return render(
        request,
        "activities/form.html",
        {"form": form, "title": _("编辑培训") if training else _("登记培训"), "frozen": frozen},
    )


@login_required
def training_create(request):
    return _training_form_view(request)


@login_required
def training_edit(request, pk: int):
    return _training_form_view(request, selectors.get_training_for_user_or_404(request.user, pk))


def _grid_rows(user, training, grid):
    """Rows for the attendance form: recorded people, then keepers of required stations not yet recorded."""
    rows = []
    for entry in grid:
        station = entry["station"]
        for row in entry["rows"]:
            rows.append(
                {
                    "station": station,
                    "name": row.person_name,
                    "phone": row.phone,
                    "status": row.status,
                    "test": row.test_result,
                    "saved": True,
                    "record": row,
                }
            )
        if not entry["rows"]:
            keepers = list(station.keepers.filter(is_active=True))
            for keeper in keepers or [None]:
                rows.append(
                    {
                        "station": station,
                        "name": keeper.display_name if keeper else "",
                        "phone": keeper.phone if keeper else "",
                        "status": AttendanceStatus.PRESENT,
                        "test": "",
                        "saved": False,
                    }
                )
    return rows


@login_required
def training_detail(request, pk: int):
    user = request.user
    training = selectors.get_training_for_user_or_404(user, pk)
    grid = selectors.attendance_grid(user, training)
    all_rows = [row for entry in grid for row in entry["rows"]]
    can_record = user.scope.can("attendance.record") and (
        Role(user.role) != Role.OPERATOR or training.operating_unit_id == user.operating_unit_id
    )
    return render(
        request,
        "activities/training_detail.html",
        {
            "training": training,
            "grid": grid,
            "counts": selectors.attendance_counts(training, all_rows),
            "rows": _grid_rows(user, training, grid) if can_record else [],
            "can_record": can_record,
            "can_manage": user.scope.can("training.manage"),
            "statuses": AttendanceStatus.choices,
            "tests": ExamResult.choices,
            "stations": _county_stations(user, training.county) if can_record else [],
            "frozen": is_frozen(training.county_id, training.start_date),
        },
    )


@login_required
@require_POST
def training_attendance(request, pk: int):
    user = request.user
    training = selectors.get_training_for_user_or_404(user, pk)
    user.scope.require("attendance.record")
    stations = {s.code: s for s in _county_stations(user, training.county)}
    lines, problems = [], []
    count = int(request.POST.get("rows", "0") or 0)
    for index in [*range(count), "new"]:
        name = request.POST.get(f"r{index}-name", "").strip()
        if not name:
            continue
        code = request.POST.get(f"r{index}-station", "")
        station = stations.get(code)
        if station is None:
            problems.append(_("%(name)s：请选择服务站。") % {"name": name})
            continue
        lines.append(
            services.AttendanceLine(
                station=station,
                person_name=name,
                phone=request.POST.get(f"r{index}-phone", "").strip(),
                status=request.POST.get(f"r{index}-status", ""),
                test_result=request.POST.get(f"r{index}-test", ""),
            )
        )
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("activities:training", pk=training.pk)
    try:
        saved = services.attendance_record(
            acting_user=user,
            training=training,
            lines=lines,
            correction_reason=request.POST.get("correction_reason", ""),
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("已保存 %(n)d 人次的出勤。") % {"n": len(saved)})
    return redirect("activities:training", pk=training.pk)


@login_required
def training_import(request, pk: int):
    user = request.user
    training = selectors.get_training_for_user_or_404(user, pk)
    user.scope.require("attendance.record")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = importers.import_attendance(
                acting_user=user,
                training=training,
                source=upload,
                name=upload.name,
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ImportRejected as exc:
            errors = [str(e) for e in exc.errors]
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("已导入 %(rows)d 人次（%(stations)d 个服务站）。")
                % {"rows": summary.rows, "stations": summary.stations},
            )
            return redirect("activities:training", pk=training.pk)
    return render(request, "activities/import.html", {"form": form, "training": training, "errors": errors})


@login_required
def attendance_template(request):
    request.user.scope.require("activity.view")
    buffer = io.BytesIO()
    importers.write_template(buffer, user=request.user)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E5%87%BA%E5%8B%A4%E7%99%BB%E8%AE%B0%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@login_required
def training_people(request):
    user = request.user
    year = _year(request)
    stations = stations_for_user(user)
    people = selectors.training_people(stations.values_list("pk", flat=True), year)
    by_pk = {s.pk: s for s in stations.filter(pk__in={p.station_id for p in people})}
    return render(
        request,
        "activities/people.html",
        {"year": year, "people": [(by_pk.get(p.station_id), p) for p in people]},
    )


# -- marketing activities ------------------------------------------------------------------------


@login_required
def activity_list(request):
    activities = selectors.activities_for_user(request.user)
    year = request.GET.get("year", "")
    if year.isdigit():
        activities = activities.filter(start_date__year=int(year))
    return render(
        request,
        "activities/activity_list.html",
        {"page": _page(request, activities), "year": year, "can_create": _can_create(request.user, "activity.manage")},
    )


def _activity_form_view(request, activity=None):
    user = request.user
    user.scope.require("activity.manage")
    county = activity.county if activity else selectors.county_of_user(user)
    if county is None:
        raise PermissionDenied(_("请使用县电商办或运营单位账号登记营销活动。"))
    initial = {}
    if activity is not None:
        initial = {
            "title": activity.title,
            "organiser": activity.organiser,
            "start_date": activity.start_date,
            "end_date": activity.end_date,
            "report_due_at": activity.report_due_at,
            "description": activity.description,
            "required_stations": list(activity.required_stations.values_list("pk", flat=True)),
        }
    form = ActivityForm(request.POST or None, initial=initial, stations=_county_stations(user, county))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("correction_reason")
        stations = data.pop("required_stations")
        try:
            if activity is None:
                activity = services.activity_create(acting_user=user, county=county, required_stations=stations, **data)
            else:
                services.activity_update(
                    acting_user=user,
                    activity=activity,
                    required_stations=stations,
                    correction_reason=reason,
                    **data,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="correction_reason")
        else:
            messages.success(request, _("营销活动已保存。"))
            return redirect("activities:activity", pk=activity.pk)
    frozen = activity is not None and is_frozen(activity.county_id, activity.start_date)
    return render(
        request,
        "activities/form.html",
        {"form": form, "title": _("编辑营销活动") if activity else _("登记营销活动"), "frozen": frozen},
    )


@login_required
def activity_create(request):
    return _activity_form_view(request)


@login_required
def activity_edit(request, pk: int):
    return _activity_form_view(request, selectors.get_activity_for_user_or_404(request.user, pk))


@login_required
def activity_detail(request, pk: int):
    user = request.user
    activity = selectors.get_activity_for_user_or_404(user, pk)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "grid": selectors.activity_grid(user, activity),
            "can_manage": user.scope.can("activity.manage"),
            "can_report": user.scope.can("activity_report.submit"),
            "report_form": ActivityReportForm(),
            "frozen": is_frozen(activity.county_id, activity.start_date),
        },
    )


def _activity_station(user, activity, code: str) -> Station:
    return user.scope.get_or_404(activity.required_stations.all(), code=code)


@login_required
@require_POST
def activity_participation(request, pk: int, code: str):
    user = request.user
    activity = selectors.get_activity_for_user_or_404(user, pk)
    station = _activity_station(user, activity, code)
    try:
        services.participation_record(
            acting_user=user,
            activity=activity,
            station=station,
            participated=request.POST.get("participated") == "1",
            note=request.POST.get("note", ""),
            correction_reason=request.POST.get("correction_reason", ""),
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("已登记 %(station)s 的参与情况。") % {"station": station.name})
    return redirect("activities:activity", pk=activity.pk)


@login_required
@require_POST
def activity_report(request, pk: int, code: str):
    user = request.user
    activity = selectors.get_activity_for_user_or_404(user, pk)
    station = _activity_station(user, activity, code)
    form = ActivityReportForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("activities:activity", pk=activity.pk)
    try:
        services.activity_report_submit(
            acting_user=user,
            activity=activity,
            station=station,
            correction_reason=request.POST.get("correction_reason", ""),
            **form.cleaned_data,
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("活动数据已上报。"))
    return redirect("activities:activity", pk=activity.pk)


# -- guidance -------------------------------------------------------------------------------------


@login_required
def guidance_list(request):
    user = request.user
    year = _year(request)
    overview = selectors.guidance_overview(user, year)
    only_overdue = request.GET.get("overdue") == "1"
    return render(
        request,
        "activities/guidance.html",
        {
            "year": year,
            "overview": [row for row in overview if row.overdue] if only_overdue else overview,
            "overdue_count": sum(row.overdue for row in overview),
            "only_overdue": only_overdue,
            "visits": selectors.guidance_for_user(user).filter(visited_on__year=year)[:100],
            "can_record": user.scope.can("guidance.record"),
        },
    )


@login_required
def guidance_create(request):
    user = request.user
    user.scope.require("guidance.record")
    stations = stations_for_user(user).filter(operating_unit__isnull=False).order_by("code")
    initial = {
        "visited_on": timezone.localdate(),
        "station": stations.filter(code=request.GET.get("station", "")).first(),
    }
    form = GuidanceForm(request.POST or None, initial=initial, stations=stations)
    if request.method == "POST" and form.is_valid():
        try:
            services.guidance_record(acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="content")
        else:
            messages.success(request, _("运营指导已登记。"))
            return redirect("activities:guidance")
    return render(request, "activities/form.html", {"form": form, "title": _("登记运营指导")})
