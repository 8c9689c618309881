from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.assessment import exporters, selectors, services
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.forms import CloseRectificationForm, ComputeForm, CorrectForm, RectifyForm
from cunzhan.assessment.links import Links
from cunzhan.assessment.models import PeriodKind, Rectification, SchemeVersion, Status
from cunzhan.core.forms import apply_validation_error
from cunzhan.core.money import round_money
from cunzhan.core.replicas import replica_reads
from cunzhan.core.tabular import write_xlsx
from cunzhan.regions.models import Level, Region
from cunzhan.regions.selectors import home_county


@login_required
def assessment_list(request):
    user = request.user
    assessments = selectors.assessments_for_user(user)
    if not user.scope.can("assessment.manage"):
        assessments = assessments.filter(status__in=[Status.PUBLISHED, Status.SUPERSEDED])
    county = home_county(user)
    form = ComputeForm(request.POST or None)
    if request.method == "POST":
        user.scope.require("assessment.manage")
        if county is None:
            messages.error(request, _("只有县级账号可以发起考核。"))
        elif form.is_valid():
            try:
                assessment = services.assessment_compute(
                    acting_user=user, county=county, year=form.cleaned_data["year"], period=form.cleaned_data["period"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已按当前数据计算考核结果。"))
                return redirect("assessment:detail", pk=assessment.pk)
    return render(
        request,
        "assessment/list.html",
        {
            "assessments": assessments[:200],
            "form": form,
            "county": county,
            "can_manage": user.scope.can("assessment.manage"),
        },
    )


@login_required
def assessment_detail(request, pk: int):
    user = request.user
    assessment = selectors.get_assessment_for_user_or_404(user, pk)
    if assessment.status not in (Status.PUBLISHED, Status.SUPERSEDED) and not user.scope.can("assessment.manage"):
        raise Http404
    results = selectors.results_for_user(user, assessment)
    return render(
        request,
        "assessment/detail.html",
        {
            "assessment": assessment,
            "results": results,
            "with_subsidy": any(r.subsidy is not None for r in results),
            "items": parse_scheme(assessment.scheme.data).items,
            "can_manage": user.scope.can("assessment.manage"),
            "can_publish": user.scope.can("assessment.publish"),
            "correct_form": CorrectForm(),
            "incomplete": [r for r in results if r.status == "incomplete"],
            "print": request.GET.get("print") == "1",
        },
    )


@login_required
@require_POST
def assessment_action(request, pk: int, action: str):
    user = request.user
    assessment = selectors.get_assessment_for_user_or_404(user, pk)
    try:
        if action == "recompute":
            assessment = services.assessment_compute(
                acting_user=user, county=assessment.county, year=assessment.year, period=assessment.period
            )
            messages.success(request, _("已按当前数据重新计算。"))
        elif action == "review":
            services.assessment_submit_review(acting_user=user, assessment=assessment)
            messages.success(request, _("已提交审核。"))
        elif action == "correct":
            form = CorrectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("更正须说明理由。"))
            assessment = services.assessment_correct(
                acting_user=user, assessment=assessment, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已建立更正版本 v%(v)d，发布后替换原结果。") % {"v": assessment.version})
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("assessment:detail", pk=assessment.pk)


@login_required
@replica_reads()
def assessment_export(request, pk: int):
    assessment = selectors.get_assessment_for_user_or_404(request.user, pk)
    if assessment.status not in (Status.PUBLISHED, Status.SUPERSEDED):
        request.user.scope.require("assessment.manage")
    buffer = io.BytesIO()
    write_xlsx(buffer, exporters.header(assessment), exporters.rows(assessment), sheet=str(assessment.year))
    buffer.seek(0)
    name = f"{assessment.county.code}-{assessment.year}-{assessment.period}-v{assessment.version}.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name)


@login_required
def result_detail(request, pk: int):
    user = request.user
    result = selectors.get_result_for_user_or_404(user, pk)
    if result.assessment.status not in (Status.PUBLISHED, Status.SUPERSEDED) and not user.scope.can(
        "assessment.manage"
    ):
        raise Http404
    rectifications = Rectification.objects.filter(result=result)
    return render(
        request,
        "assessment/result.html",
        {
            "result": result,
            "links": Links.for_user(user, [result]),
            "assessment": result.assessment,
            "can_rectify": user.scope.can("assessment.publish")
            and result.grade == "不合格"
            and result.assessment.status == Status.PUBLISHED,
            "rectify_form": RectifyForm(),
            "close_form": CloseRectificationForm(),
            "rectifications": rectifications,
        },
    )


@login_required
@require_POST
def result_rectify(request, pk: int):
    result = selectors.get_result_for_user_or_404(request.user, pk)
    form = RectifyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.rectification_order(acting_user=request.user, result=result, **form.cleaned_data)
        messages.success(request, _("已下达整改通知，服务站转入整改状态。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("assessment:result", pk=result.pk)


@login_required
@require_POST
def rectification_close(request, pk: int):
    rectification = request.user.scope.get_or_404(selectors.rectifications_for_user(request.user), pk=pk)
    form = CloseRectificationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.rectification_close(acting_user=request.user, rectification=rectification, **form.cleaned_data)
        messages.success(request, _("已记录复查结论。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("assessment:result", pk=rectification.result_id)


@login_required
def rectification_list(request):
    return render(
        request,
        "assessment/rectifications.html",
        {"rectifications": selectors.rectifications_for_user(request.user)[:500]},
    )


@login_required
def scheme_list(request):
    user = request.user
    user.scope.require("assessment.manage")
    county = home_county(user)
    schemes = user.scope.filter(SchemeVersion.objects.select_related("created_by")).order_by("-created_at")
    return render(
        request,
        "assessment/schemes.html",
        {
            "schemes": schemes,
            "default": selectors.default_scheme(),
            "county": county,
            "current": selectors.scheme_for_county(county) if county else None,
        },
    )


# -- public pages (no login) -------------------------------------------------------------------------


@replica_reads()
def public_index(request):
    return render(request, "assessment/public_index.html", {"assessments": selectors.published_assessments()})


@replica_reads()
def public_ranking(request, county: str, year: int, period: str):
    region = get_object_or_404(Region, code=county, level=Level.COUNTY)
    if period not in PeriodKind.values:
        raise Http404
    assessment, results = selectors.public_results(region, year, period)
    if assessment is None:
        raise Http404(_("该考核期尚未发布。"))
    results = list(results)
    return render(
        request,
        "assessment/public_ranking.html",
        {
            "assessment": assessment,
            "results": results,
            # a correction states itself: the versions it replaced, and whose score it moved (no one's name)
            "earlier": selectors.earlier_publications(assessment),
            "moved": [(r, c) for r in results for c in r.changes if c.get("fact") == "total"],
            "with_subsidy": any(r.subsidy is not None for r in results),
            "rules": selectors.publication_settings(region),
            "print": request.GET.get("print") == "1",
        },
    )


@login_required
def subsidies(request):
    from decimal import Decimal, InvalidOperation

    from cunzhan.assessment.models import SubsidyRule
    from cunzhan.stations.models import Tier

    user = request.user
    user.scope.require("assessment.manage")
    county = home_county(user)
    if county is None:
        raise PermissionDenied(_("补贴标准由县电商办设定。"))
    grades = ["优秀", "合格", "不合格"]
    if request.method == "POST":
        amounts, errors = {}, []
        for grade in grades:
            for tier, label in Tier.choices:
                raw = request.POST.get(f"{grade}:{tier}", "").strip()
                try:
                    amounts[(grade, tier)] = round_money(Decimal(raw)) if raw else None
                except InvalidOperation:
                    errors.append(
                        _("“%(grade)s / %(tier)s”的金额“%(raw)s”不是数字") % {"grade": grade, "tier": label, "raw": raw}
                    )
        try:
            if errors:
                raise ValidationError(errors)
            services.subsidy_rules_set(acting_user=user, county=county, amounts=amounts)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("补贴标准已保存，重新计算考核后生效。"))
            return redirect("assessment:subsidies")
    current = {(r.grade, r.tier): r.amount for r in SubsidyRule.objects.filter(county=county)}
    grid = [(g, [(t, label, current.get((g, t))) for t, label in Tier.choices]) for g in grades]
    return render(request, "assessment/subsidies.html", {"grid": grid, "county": county})
