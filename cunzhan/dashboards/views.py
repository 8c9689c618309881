"""The dashboards: the role's home page, the county / township / operating-unit / station board,
the city and province roll-up, and each chart's table as JSON (drawn by ECharts) or Excel."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cunzhan.core import dates
from cunzhan.core.replicas import replica_reads
from cunzhan.core.roles import Role
from cunzhan.core.tabular import write_xlsx
from cunzhan.dashboards import selectors
from cunzhan.dashboards.charts import CHARTS, Where, chart_table, recent_chart_table
from cunzhan.dashboards.selectors import Window
from cunzhan.onboarding.setup import setup_steps
from cunzhan.regions.selectors import ALL, county_choices, county_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (chart name, heading shown until the chart's own title arrives)
CHART_LABELS = {
    "trend": gettext_lazy("各月交易额"),
    "activity": gettext_lazy("各月业务量"),
    "townships": gettext_lazy("乡镇排名"),
    "stations": gettext_lazy("站点排名"),
    "grades": gettext_lazy("考核等级分布"),
    "zombies": gettext_lazy("僵尸站点"),
    "counties": gettext_lazy("各县汇总"),
}


def _charts(names: list[str], query: dict[str, str]) -> list[dict[str, Any]]:
    qs = urlencode({k: v for k, v in query.items() if v})
    return [
        {
            "name": name,
            "label": CHART_LABELS[name],
            "json": f"{reverse('dashboards:chart', args=[name, 'json'])}?{qs}",
            "xlsx": f"{reverse('dashboards:chart', args=[name, 'xlsx'])}?{qs}",
        }
        for name in names
    ]


def _scope_label(user) -> str:
    scope = user.scope
    if scope.role == Role.OPERATOR:
        return str(user.operating_unit or "")
    if scope.role == Role.SUPERVISOR and user.region:
        return user.region.name
    return ""


def page_context(request, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the role's dashboard shows; ``template`` names the partial that draws it."""
    user = request.user
    user.scope.require("statistics.view")
    now = now or timezone.now()
    window = Window.parse(request.GET.get("month"), now=now)
    today = dates.local_date(now)
    context: dict[str, Any] = {
        "window": window,
        "this_month": f"{today:%Y-%m}",
        "counties": county_choices(user),
    }
    if user.scope.role == Role.KEEPER:
        context["keeper"] = selectors.keeper_home(user, window, now=now)
        context["charts"] = _charts(["trend", "activity"], {"month": window.slug})
        context["template"] = "dashboards/_keeper.html"
        return context
    county = county_for_user(user, request.GET.get("county"), several=ALL, choices=context["counties"])
    if county is None:
        context["rows"] = selectors.rollup(user, context["counties"], window, now=now)
        context["charts"] = _charts(["counties", "trend", "activity"], {"month": window.slug})
        context["template"] = "dashboards/_rollup.html"
        return context
    query = {"county": county.code, "month": window.slug}
    names = ["trend", "activity", "townships", "stations", "grades"]
    if user.scope.role == Role.SUPERVISOR:
        names.remove("townships")  # one township: its stations are the ranking
    context.update(
        board=selectors.recent_county_dashboard(user, county, window),
        charts=_charts(names, query),
        zombies_xlsx=_charts(["zombies"], query)[0]["xlsx"],
        scope_label=_scope_label(user),
        rollup_link=len(context["counties"]) > 1,
        setup=setup_steps(user, county),
        template="dashboards/_county.html",
    )
    return context


@login_required
@require_GET
@replica_reads()
def dashboard(request):
    return render(request, "dashboards/dashboard.html", page_context(request))


@login_required
@require_GET
@replica_reads()
def chart(request, name: str, fmt: str):
    if name not in CHARTS or fmt not in ("json", "xlsx"):
        raise Http404(_("没有这个图表。"))
    user = request.user
    user.scope.require("statistics.view" if fmt == "json" else "statistics.export")
    now = timezone.now()
    window = Window.parse(request.GET.get("month"), now=now)
    choices = county_choices(user)
    county = county_for_user(user, request.GET.get("county"), several=ALL, choices=choices)
    counties = [county] if county else choices
    where = Where(user=user, counties=counties, window=window, now=now)
    if fmt == "json":  # drawn next to the board: counted as recently as it; the Excel download afresh
        table = recent_chart_table(name, where)
        return JsonResponse(table.as_json(), encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})
    table = chart_table(name, where)
    buffer = io.BytesIO()
    write_xlsx(buffer, table.columns, table.rows, sheet=name)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    where = county.code if county else "all"
    response["Content-Disposition"] = f'attachment; filename="{name}-{where}-{window.slug}.xlsx"'
    return response
