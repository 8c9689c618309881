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
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.assessment import selectors, services
from cunzhan.assessment.forms import PublicationSettingsForm
from cunzhan.assessment.models import Status
from cunzhan.core.forms import apply_validation_error
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
