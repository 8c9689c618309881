"""Each chart is a table: the browser draws it, the Excel download writes it.

A :class:`ChartTable` carries the column titles, the rows and how to draw them (kind, which column
is the category axis, which columns are series). The same rows go to JSON and to .xlsx.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunzhan.core import dates
from cunzhan.core.recent import recently_counted
from cunzhan.dashboards import selectors
from cunzhan.dashboards.selectors import Window
from cunzhan.regions.models import Region


@dataclass
class ChartTable:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    kind: str = "bar"  # bar | hbar | line | pie | table
    series: list[int] = field(default_factory=list)  # column indexes drawn; column 0 is the category
    limit: int = 0  # the chart shows the first rows only; the download has them all
    # a month still under way: its category and what the chart says of it (12月截至4日), drawn dashed
    # (a line) or faded (a bar)
    partial: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "chart": {"kind": self.kind, "series": self.series, "limit": self.limit, "partial": self.partial},
        }


@dataclass(frozen=True)
class Where:
    """What a chart is asked about: the user's scope within one county, or all their counties."""

    user: Any
    counties: list[Region]
    window: Window
    now: datetime

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.counties]


def _trend_rows(where: Where) -> tuple[list, dict[str, str] | None]:
    """The months of the trend, and the current month when it is among them: a month four days old
    is not a collapse, and the chart says so (12月截至4日)."""
    today = dates.local_date(where.now)
    partial = None
    rows = []
    for month, figures in selectors.monthly_trend(where.user, where.codes, where.window):
        if (month.year, month.month) == (today.year, today.month):
            partial = {
                "category": f"{month:%Y-%m}",
                "label": _("%(m)d月截至%(d)d日") % {"m": today.month, "d": today.day},
            }
        rows.append((f"{month:%Y-%m}", figures))
    return rows, partial


def trend(where: Where) -> ChartTable:
    months, partial = _trend_rows(where)
    rows = [[m, f.purchase_amount, f.sale_amount, f.farm_amount, f.services_amount] for m, f in months]
    return ChartTable(
        "trend",
        _("%(year)d年各月交易额（元）") % {"year": where.window.year},
        [_("月份"), _("代购金额"), _("代销金额"), _("其中农产品上行"), _("便民服务金额")],
        rows,
        kind="line",
        series=[1, 2, 3],
        partial=partial,
    )


def activity(where: Where) -> ChartTable:
    months, partial = _trend_rows(where)
    rows = [[m, f.purchase_orders, f.sale_orders, f.parcels_in, f.parcels_out, f.services] for m, f in months]
    return ChartTable(
        "activity",
        _("%(year)d年各月业务量（笔/件/次）") % {"year": where.window.year},
        [_("月份"), _("代购单数"), _("代销单数"), _("快递收件"), _("快递寄件"), _("便民服务次数")],
        rows,
        kind="bar",
        series=[1, 2, 3, 4, 5],
        partial=partial,
    )


GROUP_COLUMNS = [
    gettext_lazy("站点数"),
    gettext_lazy("活跃站点"),
    gettext_lazy("闲置站点"),
    gettext_lazy("交易额合计"),
    gettext_lazy("代购金额"),
    gettext_lazy("代销金额"),
    gettext_lazy("农产品上行金额"),
    gettext_lazy("快递收件"),
    gettext_lazy("快递寄件"),
    gettext_lazy("便民服务次数"),
]


def _group_cells(g) -> list[Any]:
    f = g.figures
    return [
        g.stations,
        g.active,
        g.idle,
        g.turnover,
        f.purchase_amount,
        f.sale_amount,
        f.farm_amount,
        f.parcels_in,
        f.parcels_out,
        f.services,
    ]


def townships(where: Where) -> ChartTable:
    rows = selectors.station_rows(where.user, where.codes, where.window.year_start, where.window.end)
    groups = selectors.group_rows(rows, lambda r: (r.township, r.township))
    return ChartTable(
        "townships",
        _("乡镇排名（%(year)d年累计交易额，元）") % {"year": where.window.year},
        [_("乡镇"), *(str(c) for c in GROUP_COLUMNS)],
        [[g.name or _("（未分乡镇）"), *_group_cells(g)] for g in groups],
        kind="hbar",
        series=[4],
        limit=15,
    )


def stations(where: Where) -> ChartTable:
    rows = selectors.station_rows(where.user, where.codes, where.window.year_start, where.window.end)
    rows.sort(key=lambda r: (-r.turnover, r.code))
    return ChartTable(
        "stations",
        _("站点排名（%(year)d年累计交易额，元）") % {"year": where.window.year},
        [
            _("站点"),
            _("站点编码"),
            _("乡镇"),
            _("交易额合计"),
            _("代购金额"),
            _("代销金额"),
            _("农产品上行金额"),
            _("快递收件"),
            _("快递寄件"),
            _("便民服务次数"),
        ],
        [
            [
                r.name,
                r.code,
                r.township,
                r.turnover,
                r.figures.purchase_amount,
                r.figures.sale_amount,
                r.figures.farm_amount,
                r.figures.parcels_in,
                r.figures.parcels_out,
                r.figures.services,
            ]
            for r in rows
        ],
        kind="hbar",
        series=[3],
        limit=10,
    )


def grades(where: Where) -> ChartTable:
    assessment = selectors.latest_published(where.user, where.codes[0]) if len(where.codes) == 1 else None
    title = str(assessment) if assessment else _("暂无已发布的考核")
    return ChartTable(
        "grades",
        _("最近一次考核等级分布：%(name)s") % {"name": title},
        [_("等级"), _("站点数")],
        [[g, n] for g, n in selectors.grade_distribution(where.user, assessment)],
        kind="pie",
        series=[1],
    )


def zombies(where: Where) -> ChartTable:
    rows = []
    for code in where.codes:
        for s in selectors.zombies(where.user, code, now=where.now).select_related("region"):
            reference = s.activity_ref
            days = (where.now - reference).days if reference else None
            rows.append([s.name, s.code, s.region.name, timezone.localtime(reference) if reference else None, days])
    return ChartTable(
        "zombies",
        _("僵尸站点（长期无台账记录）"),
        [_("站点"), _("站点编码"), _("服务区域"), _("最近台账时间"), _("无记录天数")],
        rows,
        kind="table",
    )


def counties(where: Where) -> ChartTable:
    result = selectors.rollup(where.user, where.counties, where.window, now=where.now)
    return ChartTable(
        "counties",
        _("各县汇总（%(year)d年累计至%(month)d月）") % {"year": where.window.year, "month": where.window.month},
        [_("县"), *(str(c) for c in GROUP_COLUMNS), _("迟报"), _("漏报")],
        [[r.county.name, *_group_cells(r.figures), r.reports.late, r.reports.missed] for r in result],
        kind="hbar",
        series=[4],
        limit=20,
    )


CHARTS: dict[str, Callable[[Where], ChartTable]] = {
    "trend": trend,
    "activity": activity,
    "townships": townships,
    "stations": stations,
    "grades": grades,
    "zombies": zombies,
    "counties": counties,
}


def chart_table(name: str, where: Where) -> ChartTable:
    return CHARTS[name](where)


def recent_chart_table(name: str, where: Where) -> ChartTable:
    """:func:`chart_table` as counted a moment ago for the same scope, counties and month, as the
    boards it is drawn on (:func:`cunzhan.core.recent.recently_counted`)."""
    question = ("chart", name, ",".join(where.codes), where.window.slug)
    return recently_counted(where.user, question, lambda: chart_table(name, where))
