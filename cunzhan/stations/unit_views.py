"""The pages of the operating units' register (/operating-units/): the county office's list, each unit's
page with the stations it serves, the create and edit forms, deactivation and reactivation. An
operator account opens its own unit's page; anything else out of scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.core.concurrency import EditConflict
from cunzhan.core.forms import apply_validation_error
from cunzhan.regions.selectors import ALL, county_for_user
from cunzhan.stations import selectors, units
from cunzhan.stations.forms import OperatingUnitForm, UnitDeactivateForm
from cunzhan.stations.models import ENDED_STATUSES

PAGE_SIZE = 50


@login_required
def unit_list(request):
    user = request.user
    found = selectors.operating_units_for_user(user).order_by("county_id", "-is_active", "name")
    show = request.GET.get("show", "active")
    if show != "all":
        found = found.filter(is_active=True)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "show": show, "can_manage": user.scope.can("operating_unit.manage")}
    return render(request, "stations/units/list.html", context)


@login_required
def unit_detail(request, pk: int):
    user = request.user
    unit = selectors.get_operating_unit_for_user_or_404(user, pk)
    stations = list(selectors.stations_of_unit(user, unit))
    context = {
        "unit": unit,
        "standing": [s for s in stations if s.status not in ENDED_STATUSES],
        "ended": [s for s in stations if s.status in ENDED_STATUSES],
        "can_manage": user.scope.can("operating_unit.manage"),
        "deactivate_form": UnitDeactivateForm(),
    }
    return render(request, "stations/units/detail.html", context)


@login_required
def unit_create(request):
    user = request.user
    user.scope.require("operating_unit.manage")
    # the county office's own county; a user over several picks one (``?county=``)
    county = county_for_user(user, request.GET.get("county"), several=ALL)
    if county is None:
        counties = selectors.station_counties_for_user(user)
        return render(request, "stations/units/form.html", {"counties": counties, "title": _("登记运营单位")})
    stations = selectors.assignable_stations_for_user(user, county.code)
    form = OperatingUnitForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        try:
            unit = units.unit_create(
                acting_user=user, county=county, stations=form.cleaned_data["stations"], **form.values()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("运营单位“%(name)s”已登记。") % {"name": unit.name})
            return redirect("units:detail", pk=unit.pk)
    context = {"form": form, "county": county, "title": _("登记运营单位")}
    return render(request, "stations/units/form.html", context)


@login_required
def unit_edit(request, pk: int):
    user = request.user
    user.scope.require("operating_unit.manage")
    unit = selectors.get_operating_unit_for_user_or_404(user, pk)
    stations = selectors.assignable_stations_for_user(user, unit.county_id)
    form = OperatingUnitForm(request.POST or None, instance=unit, stations=stations)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            units.unit_update(
                acting_user=user,
                unit=unit,
                version=form.cleaned_data["version"],
                stations=form.cleaned_data["stations"],
                **form.values(),
            )
        except ValidationError as exc:  # an EditConflict too: shown above the form, the user's values kept
            apply_validation_error(form, exc)
            conflict = isinstance(exc, EditConflict)
        else:
            messages.success(request, _("已保存。"))
            return redirect("units:detail", pk=unit.pk)
    context = {"form": form, "unit": unit, "county": unit.county, "title": unit.name, "conflict": conflict}
    return render(request, "stations/units/form.html", context)


@login_required
@require_POST
def unit_deactivate(request, pk: int):
    user = request.user
    user.scope.require("operating_unit.manage")
    unit = selectors.get_operating_unit_for_user_or_404(user, pk)
    form = UnitDeactivateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("停用运营单位须填写理由（不超过 255 个字）。"))
        units.unit_deactivate(acting_user=user, unit=unit, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("运营单位“%(name)s”已停用。") % {"name": unit.name})
    return redirect("units:detail", pk=unit.pk)


@login_required
@require_POST
def unit_reactivate(request, pk: int):
    user = request.user
    user.scope.require("operating_unit.manage")
    unit = selectors.get_operating_unit_for_user_or_404(user, pk)
    try:
        units.unit_reactivate(acting_user=user, unit=unit)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("运营单位“%(name)s”已恢复。") % {"name": unit.name})
    return redirect("units:detail", pk=unit.pk)
