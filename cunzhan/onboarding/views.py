"""The county office's 历史数据导入 page: each kind of past record with its template and an upload."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from cunzhan.core.tabular import ImportRejected
from cunzhan.onboarding import exporters, selectors, services
from cunzhan.onboarding.forms import HistoryUploadForm
from cunzhan.onboarding.kinds import IMPORTERS
from cunzhan.onboarding.models import HistoryKind
from cunzhan.regions.selectors import FIRST, county_choices, county_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 200

# what each kind brings, as the page says it
SUMMARIES = {
    HistoryKind.REPORTS: _("各站月报、周报的首次提交时间：按本县截止时间算按时、迟报或漏报（第 6 项）。"),
    HistoryKind.INSPECTIONS: _(
        "实地察看：考核期、察看时间、察看人和每个评分项的得分与扣分说明（第 1、2、3、7–10 项）。"
    ),
    HistoryKind.ATTENDANCE: _("培训出勤和测试结果（第 4 项）；系统中没有的培训按主题和日期一并新建。"),
    HistoryKind.PARTICIPATION: _("营销活动各站是否参加、活动数据的上报时间（第 5 项）；活动须先在系统中登记。"),
    HistoryKind.FAULTS: _("公共资产的报修和修复时间（第 1 项）；该站没有登记的资产按类别一并登记。"),
}


def _county(request):
    counties = county_choices(request.user)
    return counties, county_for_user(request.user, request.GET.get("county"), several=FIRST, choices=counties)


@login_required
def index(request):
    request.user.scope.require("history.import")
    counties, county = _county(request)
    form, kind, errors, total = HistoryUploadForm(), "", [], 0
    if request.method == "POST":
        form = HistoryUploadForm(request.POST, request.FILES)
        kind = request.POST.get("kind", "")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = services.history_import(
                    acting_user=request.user,
                    kind=form.cleaned_data["kind"],
                    source=upload,
                    name=upload.name,
                    county=county,
                )
            except ImportRejected as exc:
                total = len(exc.errors)
                errors = [str(e) for e in exc.errors[:ERRORS_SHOWN]]
            except ValidationError as exc:
                total, errors = len(exc.messages), exc.messages
            else:
                (messages.success if outcome.history else messages.info)(request, outcome.describe())
                return redirect(f"{request.path}?county={county.code}" if county else request.path)
    kinds = [{"kind": k, "label": k.label, "summary": SUMMARIES[k], "sheet": IMPORTERS[k].sheet} for k in HistoryKind]
    imports = selectors.history_imports_for_user(request.user)
    if county is not None:
        imports = imports.filter(county=county)
    return render(
        request,
        "onboarding/index.html",
        {
            "kinds": kinds,
            "counties": counties,
            "county": county,
            "form": form,
            "failed_kind": kind,
            "errors": errors,
            "error_total": total,
            "shown": ERRORS_SHOWN,
            "imports": imports[:50],
        },
    )


@login_required
def template(request, kind: str):
    request.user.scope.require("history.import")
    if kind not in IMPORTERS:
        raise Http404
    _counties, county = _county(request)
    if county is None:
        raise Http404
    buffer = io.BytesIO()
    exporters.write_template(buffer, user=request.user, kind=kind, county=county)
    buffer.seek(0)
    name = f"历史导入-{HistoryKind(kind).label}-{county.name}.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)
