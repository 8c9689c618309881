"""Publishing a county's results: a confirmation that shows what will become public before it does,
and the county's publication settings (四眼原则, the public notice's publicity period, supervision
phone and issuing office)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.assessment import selectors, services
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.forms import PublicationSettingsForm
from cunzhan.assessment.links import Links
from cunzhan.assessment.models import PeriodKind, Status
from cunzhan.core.forms import apply_validation_error
from cunzhan.core.pdf import pdf_response
from cunzhan.core.replicas import replica_reads
from cunzhan.regions.models import Level, Region
from cunzhan.regions.selectors import home_county

SHOWN_BEFORE_PUBLISHING = 10  # ranked rows the confirmation shows; the counts cover them all


@login_required
def publish_confirm(request, pk: int):
    user = request.user
    user.scope.require("assessment.publish")
    assessment = selectors.get_assessment_for_user_or_404(user, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.assessment_publish(acting_user=user, assessment=assessment)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("考核结果已发布，并在公示页面公开。"))
            return redirect("assessment:detail", pk=assessment.pk)
    rules = selectors.publication_settings(assessment.county)
    results = list(
        selectors.results_for_user(user, assessment).order_by(F("rank").asc(nulls_last=True), "station__code")
    )
    today = timezone.localdate()
    return render(
        request,
        "assessment/publish_confirm.html",
        {
            "assessment": assessment,
            "rules": rules,
            "errors": errors,
            "grades": Counter(r.grade for r in results if r.status == "assessed"),
            "ranked": [r for r in results if r.rank][:SHOWN_BEFORE_PUBLISHING],
            "counts": Counter(r.status for r in results),
            "publicity_end": today + timedelta(days=rules.publicity_days),
            "same_clerk": rules.separate_reviewer and assessment.computed_by_id == user.pk,
            "no_phone": str(services.NO_SUPERVISION_PHONE) if not rules.supervision_phone.strip() else None,
            "can_publish": assessment.status == Status.REVIEW,
        },
    )


@login_required
def publication_settings(request):
    user = request.user
    user.scope.require("assessment.manage")
    county = home_county(user)
    if county is None:
        raise PermissionDenied(_("发布设置由县电商办设定。"))
    form = PublicationSettingsForm(request.POST or None, instance=selectors.publication_settings(county))
    if request.method == "POST" and form.is_valid():
        try:
            services.publication_settings_update(
                acting_user=user, county=county, **{name: form.cleaned_data[name] for name in form.Meta.fields}
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("发布设置已保存。"))
            return redirect("assessment:publication_settings")
    return render(request, "assessment/publication_settings.html", {"form": form, "county": county})


@replica_reads()
def public_notice_pdf(request, county: str, year: int, period: str):
    """The published ranking as the 公示 a county posts and files: title, scheme version, the table with
    the items' names, the publicity period, the supervision phone, the issuing office, date and seal."""
    region = get_object_or_404(Region, code=county, level=Level.COUNTY)
    if period not in PeriodKind.values:
        raise Http404
    assessment, results = selectors.public_results(region, year, period)
    if assessment is None:
        raise Http404(_("该考核期尚未发布。"))
    rules = selectors.publication_settings(region)
    results = list(results)
    title = _("%(county)s农村电子商务服务站%(year)d年%(period)s结果公示") % {
        "county": region.name,
        "year": year,
        "period": assessment.get_period_display(),
    }
    return pdf_response(
        "assessment/notice_pdf.html",
        {
            "title": title,
            "assessment": assessment,
            "results": results,
            "items": parse_scheme(assessment.scheme.data).items,
            "scores": {r.pk: {int(i["no"]): i["score"] for i in r.items} for r in results},
            "rules": rules,
            "issuing_office": rules.issuing_office or region.name + _("电商办"),
        },
        request=request,
        filename=f"{region.name}{year}{assessment.get_period_display()}考核结果公示.pdf",
    )


@login_required
def result_pdf(request, pk: int):
    """A station's result sheet with every explanation line, to print and sign."""
    user = request.user
    result = selectors.get_result_for_user_or_404(user, pk)
    if result.assessment.status not in (Status.PUBLISHED, Status.SUPERSEDED) and not user.scope.can(
        "assessment.manage"
    ):
        raise Http404
    return pdf_response(
        "assessment/result_pdf.html",
        {"result": result, "assessment": result.assessment, "now": timezone.now()},
        request=request,
        filename=f"{result.station.code}-{result.assessment.year}{result.assessment.period}考核结果.pdf",
    )


@replica_reads()
def public_result(request, county: str, year: int, period: str, code: str):
    """One station's published result as the public reads it: every item and explanation line, each record
    behind a line named (dates, a training's topic, a status — no personal data) and linked nowhere."""
    region = get_object_or_404(Region, code=county, level=Level.COUNTY)
    if period not in PeriodKind.values:
        raise Http404
    assessment, results = selectors.public_results(region, year, period)
    if assessment is None:
        raise Http404(_("该考核期尚未发布。"))
    result = get_object_or_404(results, station__code=code)
    return render(
        request,
        "assessment/public_result.html",
        {"assessment": assessment, "result": result, "links": Links.public()},
    )
