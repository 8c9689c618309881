from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.core.concurrency import EditConflict
from cunzhan.core.forms import apply_validation_error
from cunzhan.core.replicas import replica_reads
from cunzhan.core.tabular import ImportRejected
from cunzhan.regions.models import Level, Region
from cunzhan.regions.selectors import ALL, FIRST, county_for_user
from cunzhan.stations import asset_import, exporters, import_template, importers, selectors, services
from cunzhan.stations.forms import (
    AssetForm,
    AssetImportForm,
    CountySettingsForm,
    ExemptionForm,
    FaultForm,
    ImportForm,
    PersonForm,
    RepairForm,
    StationEditForm,
    StationRegisterForm,
    TransitionForm,
)
from cunzhan.stations.models import (
    AssetReturn,
    FaultReport,
    NormExemption,
    PublicAsset,
    ResponsiblePerson,
    Status,
    Tier,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ERRORS_SHOWN = 200


def _xlsx_response(write, filename: str) -> FileResponse:
    buffer = io.BytesIO()
    write(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d")


@login_required
def station_list(request):
    stations = selectors.stations_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        stations = stations.filter(Q(code__icontains=query) | Q(name__icontains=query))
    tier = request.GET.get("tier", "")
    if tier in Tier.values:
        stations = stations.filter(tier=tier)
    status = request.GET.get("status", "")
    if status in Status.values:
        stations = stations.filter(status=status)
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = request.user.scope
    return render(
        request,
        "stations/list.html",
        {
            "page": page,
            "q": query,
            "tier": tier,
            "status": status,
            "tiers": Tier.choices,
            "statuses": Status.choices,
            "can_register": scope.can("station.register"),
            "can_settings": scope.can("county_settings.manage"),
            "can_import_assets": scope.can("asset.manage"),
            "own_unit_id": scope.operating_unit_id,
            "zombie_count": selectors.zombie_stations_for_user(request.user).count(),
        },
    )


@login_required
def station_create(request):
    request.user.scope.require("station.register")
    form = StationRegisterForm(
        request.POST or None, operating_units=selectors.active_operating_units_for_user(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            station = services.station_register(
                acting_user=request.user,
                code=form.cleaned_data["code"],
                tier=form.cleaned_data["tier"],
                region=form.cleaned_data["region"],
                operating_unit=form.cleaned_data["operating_unit"],
                **form.details(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="code")
        else:
            messages.success(request, _("服务站 %(code)s 已登记，请查看规范核查结果。") % {"code": station.code})
            return redirect("stations:detail", code=station.code)
    return render(request, "stations/form.html", {"form": form, "title": _("登记服务站")})


@login_required
def station_edit(request, code: str):
    request.user.scope.require("station.edit")
    station = selectors.get_station_for_user_or_404(request.user, code)
    title = station.name  # the form writes the submitted values onto ``station``
    form = StationEditForm(request.POST or None, instance=station)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.station_update(
                acting_user=request.user, station=station, version=form.cleaned_data["version"], **form.details()
            )
        except ValidationError as exc:  # an EditConflict too: shown above the form, the user's values kept
            apply_validation_error(form, exc)
            conflict = isinstance(exc, EditConflict)
        else:
            messages.success(request, _("已保存。"))
            return redirect("stations:detail", code=station.code)
    context = {"form": form, "title": title, "station": station, "conflict": conflict}
    return render(request, "stations/form.html", context)


@login_required
def station_detail(request, code: str):
    user = request.user
    station = selectors.get_station_for_user_or_404(user, code)
    scope = user.scope
    checklist = selectors.norm_checklist(station)
    assets = list(station.assets.all())
    return render(
        request,
        "stations/detail.html",
        {
            "station": station,
            "checklist": checklist,
            "failing": sum(1 for r in checklist if not r.passed),
            "exemptions": station.exemptions.select_related("approved_by", "withdrawn_by"),
            "people": station.people.all(),
            "assets": assets,
            "faults": station.faults.select_related("asset", "reported_by", "repaired_by")[:50],
            "returns": station.asset_returns.select_related("asset", "received_by"),
            "events": selectors.events_for_station(station),
            "transitions": selectors.transitions_for_user(user, station),
            "dates": selectors.lifecycle_dates(station),
            "is_zombie": selectors.is_zombie(station),
            # the unit's page, where the user may open it (not a keeper or a township supervisor)
            "unit_visible": station.operating_unit_id is not None
            and selectors.operating_units_for_user(user).filter(pk=station.operating_unit_id).exists(),
            "can": {
                "edit": scope.can("station.edit"),
                "exempt": scope.can("station.exempt"),
                "asset": scope.can("asset.manage"),
                "report": scope.can("fault.report"),
                "repair": scope.can("fault.repair"),
            },
            "transition_form": TransitionForm(),
            "exemption_form": ExemptionForm(),
            "person_form": PersonForm(),
            "asset_form": AssetForm(),
            "fault_form": FaultForm(),
            "repair_form": RepairForm(),
        },
    )


def _flash(request, exc: ValidationError | PermissionDenied) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


@login_required
@require_POST
def station_transition(request, code: str):
    station = selectors.get_station_for_user_or_404(request.user, code)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容有误。"))
        return redirect("stations:detail", code=code)
    try:
        event = services.station_transition(acting_user=request.user, station=station, **form.cleaned_data)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("状态已变为“%(status)s”。") % {"status": event.get_to_status_display()})
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def exemption_create(request, code: str):
    station = selectors.get_station_for_user_or_404(request.user, code)
    form = ExemptionForm(request.POST)
    if form.is_valid():
        try:
            services.exemption_grant(acting_user=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已记录规范放宽。"))
    else:
        messages.error(request, _("放宽规范须选择条目、依据并填写理由。"))
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def exemption_withdraw(request, code: str, pk: int):
    station = selectors.get_station_for_user_or_404(request.user, code)
    exemption = request.user.scope.get_or_404(NormExemption.objects.filter(station=station), pk=pk)
    services.exemption_withdraw(acting_user=request.user, exemption=exemption)
    messages.success(request, _("已撤回规范放宽。"))
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def person_create(request, code: str):
    station = selectors.get_station_for_user_or_404(request.user, code)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            services.person_add(acting_user=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已登记负责人员。"))
    else:
        messages.error(request, _("负责人员信息有误：%(errors)s") % {"errors": form.errors.as_text()})
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def person_edit(request, code: str, pk: int):
    request.user.scope.require("station.edit")
    station = selectors.get_station_for_user_or_404(request.user, code)
    person = request.user.scope.get_or_404(ResponsiblePerson.objects.filter(station=station), pk=pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            services.person_update(acting_user=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已保存负责人员信息。"))
    else:
        messages.error(request, _("负责人员信息有误：%(errors)s") % {"errors": form.errors.as_text()})
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def person_delete(request, code: str, pk: int):
    station = selectors.get_station_for_user_or_404(request.user, code)
    person = request.user.scope.get_or_404(ResponsiblePerson.objects.filter(station=station), pk=pk)
    services.person_remove(acting_user=request.user, person=person)
    messages.success(request, _("已删除负责人员。"))
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def asset_create(request, code: str):
    station = selectors.get_station_for_user_or_404(request.user, code)
    form = AssetForm(request.POST)
    if form.is_valid():
        try:
            services.asset_add(acting_user=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已登记公共资产。"))
    else:
        messages.error(request, _("资产信息有误：%(errors)s") % {"errors": form.errors.as_text()})
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def fault_create(request, code: str, pk: int):
    station = selectors.get_station_for_user_or_404(request.user, code)
    asset = request.user.scope.get_or_404(PublicAsset.objects.filter(station=station), pk=pk)
    form = FaultForm(request.POST)
    if form.is_valid():
        try:
            services.fault_report(acting_user=request.user, asset=asset, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已报修。"))
    else:
        messages.error(request, _("请描述故障情况。"))
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def fault_repair(request, code: str, pk: int):
    station = selectors.get_station_for_user_or_404(request.user, code)
    fault = request.user.scope.get_or_404(FaultReport.objects.filter(station=station), pk=pk)
    form = RepairForm(request.POST)
    form.is_valid()
    try:
        services.fault_repair(
            acting_user=request.user, fault=fault, repair_note=form.cleaned_data.get("repair_note", "")
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已登记修复。"))
    return redirect("stations:detail", code=code)


@login_required
@require_POST
def asset_return(request, code: str, pk: int):
    station = selectors.get_station_for_user_or_404(request.user, code)
    item = request.user.scope.get_or_404(AssetReturn.objects.filter(station=station), pk=pk)
    try:
        services.asset_return_confirm(acting_user=request.user, item=item, note=request.POST.get("note", ""))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已登记资产收回。"))
    return redirect("stations:detail", code=code)


# -- import and export ---------------------------------------------------------------------


@login_required
def station_import(request):
    request.user.scope.require("station.register")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, total = [], 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = importers.import_stations(upload, acting_user=request.user, name=upload.name)
        except ImportRejected as exc:
            total = len(exc.errors)
            errors = [str(e) for e in exc.errors[:MAX_IMPORT_ERRORS_SHOWN]]
        else:
            (messages.warning if summary.already else messages.success)(request, summary.message())
            return redirect("stations:list")
    return render(
        request,
        "stations/import.html",
        {"form": form, "errors": errors, "error_total": total, "shown": MAX_IMPORT_ERRORS_SHOWN},
    )


@login_required
def station_import_template(request):
    user = request.user
    user.scope.require("station.register")
    # over several counties and none named: the first county with stations in scope
    county = county_for_user(user, request.GET.get("county"), several=ALL) or county_for_user(
        user, several=FIRST, choices=selectors.station_counties_for_user(user)
    )

    def write(target) -> None:
        import_template.write_template(target, user=user, county=county)

    return _xlsx_response(write, "服务站导入模板.xlsx")


@login_required
def asset_import_page(request):
    request.user.scope.require("asset.manage")
    form = AssetImportForm(request.POST or None, request.FILES or None)
    errors, total = [], 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = asset_import.import_assets(upload, acting_user=request.user, name=upload.name)
        except ImportRejected as exc:
            total = len(exc.errors)
            errors = [str(e) for e in exc.errors[:MAX_IMPORT_ERRORS_SHOWN]]
        else:
            messages.success(request, summary.message())
            return redirect("stations:list")
    return render(
        request,
        "stations/asset_import.html",
        {"form": form, "errors": errors, "error_total": total, "shown": MAX_IMPORT_ERRORS_SHOWN},
    )


@login_required
def asset_import_template(request):
    user = request.user
    user.scope.require("asset.manage")
    return _xlsx_response(lambda target: asset_import.write_template(target, user=user), "公共资产导入模板.xlsx")


@login_required
@replica_reads()
def station_export_register(request):
    stations = selectors.stations_for_user(request.user)
    return _xlsx_response(lambda target: exporters.write_register_xlsx(target, stations), f"服务站台账-{_stamp()}.xlsx")


@login_required
@replica_reads()
def station_export_certified(request, fmt: str):
    stations = selectors.certified_stations_for_user(request.user)
    if fmt == "json":
        document = exporters.certified_document(stations, scope=request.user.scope.region_code)
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
        response["Content-Disposition"] = f'attachment; filename="certified-stations-{_stamp()}.json"'
        return response
    if fmt == "xlsx":
        return _xlsx_response(
            lambda target: exporters.write_certified_xlsx(target, stations), f"认定站点-{_stamp()}.xlsx"
        )
    raise Http404


@login_required
def zombie_list(request):
    stations = selectors.zombie_stations_for_user(request.user)
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "stations/zombies.html", {"page": page, "now": timezone.now()})


@login_required
def county_settings(request):
    user = request.user
    user.scope.require("county_settings.manage")
    county = county_for_user(user, request.GET.get("county"), several=ALL)
    if county is None:  # a system administrator picks the county first
        counties = Region.objects.filter(level=Level.COUNTY, code__in=selectors.public_stations().values("county_code"))
        return render(request, "stations/settings.html", {"counties": counties})
    current = selectors.settings_for_county(county.code)
    form = CountySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.county_settings_update(
                acting_user=user, county=county, **{f: form.cleaned_data[f] for f in form.fields}
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(county)s的站点参数已保存。") % {"county": county.name})
            return redirect(f"{request.path}?county={county.code}")
    return render(request, "stations/settings.html", {"form": form, "county": county})
