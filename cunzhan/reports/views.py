from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.core import dates
from cunzhan.core.forms import apply_validation_error
from cunzhan.core.jobs import job_enqueue
from cunzhan.core.pdf import pdf_response
from cunzhan.core.recent import recently_counted
from cunzhan.core.replicas import replica_reads
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import FIRST, county_choices, county_for_user
from cunzhan.reports import drafts, exporters, selectors, services
from cunzhan.reports.forms import AdhocRequestForm, ReportSettingsForm, UpwardPrepareForm
from cunzhan.reports.jobs import UPWARD_ATTEMPTS
from cunzhan.reports.models import Kind, ReportSettings
from cunzhan.reports.statistics import county_statistics
from cunzhan.reports.status import OUTSTANDING, ReportStatus, monthly_period, period_from_slug
from cunzhan.stations.models import CERTIFIED_STATUSES, Station

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(write, filename: str) -> FileResponse:
    buffer = io.BytesIO()
    write(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX)


def _month_param(request) -> tuple[int, int]:
    try:
        return dates.parse_month(request.GET.get("month", ""))
    except ValueError:
        return dates.previous_month()


def _county_or_404(request) -> Region:
    county = county_for_user(request.user, request.GET.get("county"), several=FIRST)
    if county is None:
        raise Http404(_("您的管辖范围内没有县。"))
    return county


@login_required
def index(request):
    user = request.user
    user.scope.require("report.view")
    if user.scope.station_id:
        return redirect("reports:station", code=Station.objects.get(pk=user.scope.station_id).code)
    return redirect("reports:board")


@login_required
def station_reports(request, code: str):
    user = request.user
    user.scope.require("report.view")
    station = user.scope.get_or_404(Station.objects.select_related("region"), code=code)
    return render(
        request,
        "reports/station.html",
        {
            "station": station,
            "obligations": selectors.station_obligations(station),
            "adhoc": selectors.station_adhoc_reports(user, station),
            "is_keeper": user.scope.can("report.submit"),
        },
    )


def _report_context(request, *, station: Station, report, lines: list[dict[str, Any]], status: str) -> dict:
    versions = list(report.versions.select_related("created_by")) if report and report.version else []
    current = versions[-1].data if versions else None
    return {
        "station": station,
        "report": report,
        "lines": current["lines"] if current else lines,
        "totals": current["totals"] if current else drafts.totals(lines),
        "text": current.get("text", "") if current else "",
        "versions": versions,
        "status": status,
        "status_label": ReportStatus(status).label,
        "can_submit": request.user.scope.can("report.submit"),
        "pending": report.pending_corrections if report else {},
        # carried by every form on the page: a save over someone else's newer one is refused
        "revision": report.revision if report else 0,
    }


def _posted_revision(request) -> int:
    """The report revision the page was loaded at (every form on it carries it)."""
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1
    if revision < 0:
        raise ValidationError(_("页面缺少版本信息，请刷新后重新编辑。"))
    return revision


def _handle_post(request, report_factory, redirect_to):
    action = request.POST.get("action")
    try:
        revision = _posted_revision(request)
        report = report_factory()
        if action == "submit":
            services.report_submit(
                acting_user=request.user, report=report, revision=revision, text=request.POST.get("text", "")
            )
            messages.success(request, _("报表已提交。"))
        elif action == "correct":
            key = request.POST.get("key", "")
            fix = {f: request.POST.get(f, "") for f in ("count", "quantity", "amount", "reason")}
            services.report_correct(acting_user=request.user, report=report, revision=revision, corrections={key: fix})
            messages.success(request, _("更正已保存。"))
        elif action == "text":
            services.report_correct(
                acting_user=request.user,
                report=report,
                revision=revision,
                text=request.POST.get("text", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已提交更正版本。"))
        else:
            raise ValidationError(_("未知操作。"))
    except ValidationError as exc:  # an EditConflict too: the page comes back with the other keeper's save
        for message in exc.messages:
            messages.error(request, message)
    return redirect(redirect_to)


@login_required
def report_detail(request, code: str, kind: str, slug: str):
    user = request.user
    user.scope.require("report.view")
    if kind not in (Kind.MONTHLY, Kind.WEEKLY):
        raise Http404
    try:
        station, period, report = selectors.report_page(user, code, kind, slug)
    except ValueError:
        raise Http404(_("报表期间格式不正确。")) from None
    if request.method == "POST":
        user.scope.require("report.submit")
        return _handle_post(
            request, lambda: services.report_obtain(station=station, period=period), request.get_full_path()
        )
    now = timezone.now()
    lines = []
    if not (report and report.version):
        lines = drafts.apply_corrections(
            drafts.build_lines(station.pk, period.start, period.end), report.pending_corrections if report else {}
        )
    status = (
        selectors.report_status_now(report, period.opens_at, now=now)
        if report
        else selectors.status_of(
            opens_at=period.opens_at, due_at=period.due_at, grace_end=period.grace_end, first_submitted_at=None, now=now
        )
    )
    context = _report_context(request, station=station, report=report, lines=lines, status=status)
    context.update({"period": period, "title": f"{station.name} · {period.label}{Kind(kind).label}"})
    context["can_submit_now"] = context["can_submit"] and now >= period.opens_at
    return render(request, "reports/detail.html", context)


@login_required
def adhoc_report(request, pk: int):
    user = request.user
    user.scope.require("report.view")
    report = selectors.adhoc_report_for_user_or_404(user, pk)
    if request.method == "POST":
        user.scope.require("report.submit")
        return _handle_post(request, lambda: report, request.get_full_path())
    req = report.request
    lines = []
    if not report.version and req.period_start and req.period_end:
        lines = drafts.apply_corrections(
            drafts.build_lines(report.station_id, req.period_start, req.period_end), report.pending_corrections
        )
    status = selectors.report_status_now(report, req.created_at)
    context = _report_context(request, station=report.station, report=report, lines=lines, status=status)
    context.update({"request_obj": req, "title": f"{report.station.name} · {req.title}", "can_submit_now": True})
    context["can_submit_now"] = context["can_submit"]
    return render(request, "reports/detail.html", context)


@login_required
def board(request):
    """The operating unit's view for the 5th: who has submitted, who is late, who is missing."""
    user = request.user
    user.scope.require("report.view")
    county = _county_or_404(request)
    settings = ReportSettings.for_county(county.code)
    kind = request.GET.get("kind", Kind.MONTHLY)
    try:
        if kind == Kind.WEEKLY:
            slug = request.GET.get("week") or "{}-W{:02d}".format(
                *dates.iso_week_of(dates.local_date(timezone.now()) - dates.timedelta(days=7))
            )
            period = period_from_slug(settings, Kind.WEEKLY, slug)
        else:
            kind = Kind.MONTHLY
            period = monthly_period(settings, *_month_param(request))
    except ValueError:
        raise Http404(_("报表期间格式不正确。")) from None
    rows = selectors.period_board(user, county.code, period)
    counts = selectors.status_counts(rows)
    only = request.GET.get("only", "")
    if only == "outstanding":
        rows = [r for r in rows if r.status in OUTSTANDING]
    elif only in ReportStatus.values:
        rows = [r for r in rows if r.status == only]
    return render(
        request,
        "reports/board.html",
        {
            "county": county,
            "counties": county_choices(user),
            "period": period,
            "kind": kind,
            "rows": rows,
            "counts": counts,
            "statuses": ReportStatus.choices,
            "only": only,
            "outstanding": sum(counts[s] for s in OUTSTANDING),
            "can_request": user.scope.can("report.request"),
            "can_upward": user.scope.can("upward.export"),
            "can_settings": user.scope.can("county_settings.manage"),
            # 催报 posts to the notices app's page (/notices/chase/), named by its URL in the template
            "can_chase": user.scope.can("notice.chase") and period.opens_at <= timezone.now(),
        },
    )


@login_required
def consolidated_pdf(request):
    """The same table as a print-ready PDF (A4 landscape, 制表人/审核人 at the foot)."""
    user = request.user
    user.scope.require("statistics.export")
    county = _county_or_404(request)
    year, month = _month_param(request)
    unit = user.operating_unit.name if getattr(user, "operating_unit_id", None) else ""
    table = exporters.consolidated(user, county, year, month, unit_name=unit)
    return pdf_response(
        "reports/consolidated_pdf.html",
        {"table": table},
        request=request,
        filename=f"站点运营情况统计-{county.code}-{year}{month:02d}.pdf",
    )


@login_required
@replica_reads()
def consolidated_export(request):
    user = request.user
    user.scope.require("statistics.export")
    county = _county_or_404(request)
    year, month = _month_param(request)
    unit = user.operating_unit.name if getattr(user, "operating_unit_id", None) else ""
    return _xlsx(
        lambda buf: exporters.write_consolidated(buf, user, county, year, month, unit_name=unit),
        f"站点运营情况统计-{county.code}-{year}{month:02d}.xlsx",
    )


def _statistics_params(request) -> tuple[Region, date, date, str, str]:
    county = _county_or_404(request)
    year, month = _month_param(request)
    mode = "ytd" if request.GET.get("mode") == "ytd" else "month"
    start = date(year, 1, 1) if mode == "ytd" else dates.month_first(year, month)
    end = dates.month_last(year, month)
    label = (
        _("%(year)d年1—%(month)d月累计") % {"year": year, "month": month}
        if mode == "ytd"
        else _("%(year)d年%(month)d月") % {"year": year, "month": month}
    )
    return county, start, end, mode, label


@login_required
@replica_reads()
def statistics(request):
    user = request.user
    user.scope.require("statistics.view")
    county, start, end, mode, label = _statistics_params(request)
    # the page shows what was counted a moment ago (and when); the Excel download counts afresh
    stats = recently_counted(
        user, ("statistics", county.code, start, end), lambda: county_statistics(user, county.code, start, end)
    )
    group = "station" if request.GET.get("group") == "station" else "township"
    return render(
        request,
        "reports/statistics.html",
        {
            "county": county,
            "counties": county_choices(user),
            "stats": stats,
            "mode": mode,
            "group": group,
            "label": label,
            "month": f"{end:%Y-%m}",
            "headers": exporters.figure_headers(),
        },
    )


@login_required
@replica_reads()
def statistics_export(request):
    user = request.user
    user.scope.require("statistics.export")
    county, start, end, mode, label = _statistics_params(request)
    stats = county_statistics(user, county.code, start, end)
    return _xlsx(
        lambda buf: exporters.write_county_statistics(buf, county, stats, label=label),
        f"电子商务进农村统计-{county.code}-{end:%Y%m}-{mode}.xlsx",
    )


@login_required
def report_settings(request):
    user = request.user
    user.scope.require("county_settings.manage")
    county = _county_or_404(request)
    instance = ReportSettings.for_county(county.code)
    form = ReportSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_settings_update(
                acting_user=user, county=county, **{f: form.cleaned_data[f] for f in form.fields}
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("reports:board")
    return render(request, "reports/form.html", {"form": form, "title": _("%(county)s 报表参数") % {"county": county}})


@login_required
def adhoc_list(request):
    user = request.user
    user.scope.require("report.view")
    return render(
        request,
        "reports/adhoc_list.html",
        {"requests": selectors.adhoc_requests_for_user(user)[:200], "can_request": user.scope.can("report.request")},
    )


@login_required
def adhoc_create(request):
    user = request.user
    user.scope.require("report.request")
    county = _county_or_404(request)
    stations = user.scope.filter(
        Station.objects.filter(county_code=county.code, status__in=CERTIFIED_STATUSES).order_by("code")
    )
    form = AdhocRequestForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adhoc = services.adhoc_request_create(
                acting_user=user,
                county=county,
                title=data["title"],
                description=data["description"],
                due_at=data["due_at"],
                grace_end=data["grace_end"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                stations=stations.filter(pk__in=data["stations"]),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已发起报表要求。"))
            return redirect("reports:adhoc_detail", pk=adhoc.pk)
    return render(request, "reports/adhoc_form.html", {"form": form, "county": county})


@login_required
def adhoc_detail(request, pk: int):
    user = request.user
    user.scope.require("report.view")
    adhoc = selectors.adhoc_request_for_user_or_404(user, pk)
    rows = selectors.adhoc_board(user, adhoc)
    return render(
        request, "reports/adhoc_detail.html", {"adhoc": adhoc, "rows": rows, "counts": selectors.status_counts(rows)}
    )


@login_required
def upward(request):
    user = request.user
    user.scope.require("upward.export")
    county = _county_or_404(request)
    form = UpwardPrepareForm(request.POST or None, initial={"period": "{}-{:02d}".format(*dates.previous_month())})
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"].strip()
        try:
            if form.cleaned_data["kind"] == "statistics":
                year, month = dates.parse_month(period)
                period = f"{year}-{month:02d}"
            else:
                period = ""
            services.upward_prepare(acting_user=user, county=county, kind=form.cleaned_data["kind"], period=period)
        except ValueError:
            form.add_error("period", _("请按 YYYY-MM 填写统计月份。"))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已生成报送文件。"))
            return redirect(f"{request.path}?county={county.code}")
    return render(
        request,
        "reports/upward.html",
        {
            "form": form,
            "county": county,
            "transmissions": selectors.transmissions_for_user(user).filter(county=county)[:100],
            "endpoint_configured": bool(getattr(services.django_settings, "UPWARD_ENDPOINT", "")),
        },
    )


@login_required
@require_POST
def upward_send(request, pk: int):
    user = request.user
    user.scope.require("upward.export")
    transmission = selectors.transmission_for_user_or_404(user, pk)
    if not getattr(django_settings, "UPWARD_ENDPOINT", ""):
        messages.error(request, _("未配置上级平台报送地址（UPWARD_ENDPOINT），请下载文件后手动报送。"))
        return redirect(f"/reports/upward/?county={transmission.county_id}")
    # sent by a worker, tried again with back-off while the platform does not answer (cunzhan.reports.jobs)
    job = job_enqueue(
        kind="reports.upward_send",
        params={"transmission": transmission.pk, "label": _("向上级平台报送")},
        acting_user=user,
        county_code=transmission.county_id,
        max_attempts=UPWARD_ATTEMPTS,
    )
    messages.info(request, _("已交给后台报送；平台无响应时会自动重试（最多 %(n)d 次）。") % {"n": UPWARD_ATTEMPTS})
    return redirect("jobs:detail", pk=job.pk)


@login_required
def upward_download(request, pk: int, fmt: str):
    user = request.user
    user.scope.require("upward.export")
    transmission = selectors.transmission_for_user_or_404(user, pk)
    name = f"upward-{transmission.county_id}-{transmission.kind}-{transmission.period or 'register'}-{pk}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(transmission.payload, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    if fmt == "xlsx":
        return _xlsx(lambda buf: exporters.write_upward_xlsx(buf, transmission.payload), f"{name}.xlsx")
    raise Http404
