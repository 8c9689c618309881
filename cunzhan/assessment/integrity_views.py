"""The order-integrity pages: the county office's list of flags to verify, and one flag with the orders it
names and the decision (确认刷单 / 排除, with the reason)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunzhan.assessment.integrity_models import Decision, FlagKind, FlagLedger, OrderFlag
from cunzhan.assessment.integrity_selectors import HALVES, current_half, flag, flags, named_orders, require_flag_reader
from cunzhan.assessment.integrity_services import order_flag_decide
from cunzhan.core.forms import apply_validation_error
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import FIRST, county_for_user
from cunzhan.stations.selectors import get_station_for_user_or_404

STATUSES = {
    "open": gettext_lazy("待核实"),
    Decision.CONFIRMED: gettext_lazy("已确认刷单"),
    Decision.DISMISSED: gettext_lazy("已排除"),
}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("核实结论"),
        choices=[
            (Decision.CONFIRMED, gettext_lazy("确认刷单：所列订单不计入第 7、8 项单数")),
            (Decision.DISMISSED, gettext_lazy("排除：订单属实，照常计入")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy("如“电话回访 5 位顾客，均称未通过服务站购买”"),
    )


def _period(request) -> tuple[int, str]:
    year, half = current_half()
    wanted_year, wanted_half = request.GET.get("year", ""), request.GET.get("half", "")
    if wanted_year.isdigit() and 2015 <= int(wanted_year) <= 2100:
        year = int(wanted_year)
    return year, wanted_half if wanted_half in HALVES else half


@login_required
def order_flag_list(request):
    user = request.user
    user.scope.require("assessment.manage")
    county = county_for_user(user, request.GET.get("county"), several=FIRST)
    if county is None:
        raise Http404(_("您的管辖范围内没有县。"))
    year, half = _period(request)
    status = request.GET.get("status", "open")
    views = flags(user, county, year, half)
    counts = {key: sum(v.status == key for v in views) for key in STATUSES}
    shown = [v for v in views if status == "all" or v.status == status]
    return render(
        request,
        "assessment/order_flags.html",
        {
            "county": county,
            "year": year,
            "half": half,
            "status": status,
            "statuses": STATUSES,
            "counts": counts,
            "views": shown,
            "kinds": dict(FlagKind.choices),
            "ledgers": dict(FlagLedger.choices),
        },
    )


@login_required
def order_flag_detail(request, code: str, year: int, half: str, key: str):
    user = request.user
    require_flag_reader(user)
    if half not in HALVES:
        raise Http404
    station = get_station_for_user_or_404(user, code)
    view = flag(user, station, year, half, key)
    if view is None:
        raise Http404(_("该提示已不存在（台账已有变化）。"))
    can_decide = user.scope.can("assessment.manage")
    form = DecisionForm(request.POST or None, initial={"decision": view.decision.decision} if view.decision else None)
    if request.method == "POST":
        user.scope.require("assessment.manage")
        if form.is_valid():
            try:
                order_flag_decide(acting_user=user, station=station, year=year, half=half, key=key, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已记录核实结论。"))
                return redirect("assessment:order_flag", code=code, year=year, half=half, key=key)
    return render(
        request,
        "assessment/order_flag.html",
        {
            "view": view,
            "station": station,
            "county": Region.objects.filter(code=station.county_code).first(),
            "orders": named_orders(view),
            "form": form,
            "can_decide": can_decide,
            "kinds": dict(FlagKind.choices),
            "ledgers": dict(FlagLedger.choices),
            "statuses": STATUSES,
        },
    )


@login_required
def order_flag_by_id(request, pk: int):
    """Where an explanation's reference ``order_flag:<id>`` (a confirmed flag that took orders out) leads."""
    require_flag_reader(request.user)
    decided = request.user.scope.get_or_404(OrderFlag.objects.select_related("station"), pk=pk)
    return redirect(
        "assessment:order_flag", code=decided.station.code, year=decided.year, half=decided.half, key=decided.key
    )
