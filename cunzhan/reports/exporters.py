"""Excel and JSON exports of the statistics: the operating unit's consolidated monthly table
(上月站点运营情况统计报表) laid out for printing, the county statistics, and the upward export
(format ``cunzhan-upward/1``, documented in docs/upward-export.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core import dates
from cunzhan.core.money import round_money
from cunzhan.core.tabular import workbook
from cunzhan.regions.models import Region
from cunzhan.reports import selectors
from cunzhan.reports.models import Kind, UpwardKind
from cunzhan.reports.statistics import CountyStatistics, Figures, county_statistics, product_lines
from cunzhan.reports.status import ReportStatus, monthly_period
from cunzhan.stations.models import CERTIFIED_STATUSES, Station, Status, Tier

UPWARD_FORMAT = "cunzhan-upward/1"


def figure_headers() -> list[str]:
    return [
        _("代购单数"),
        _("代购金额（元）"),
        _("代销单数"),
        _("代销金额（元）"),
        _("农产品上行单数"),
        _("农产品上行金额（元）"),
        _("工业品下行单数"),
        _("工业品下行金额（元）"),
        _("快递收件"),
        _("快递寄件"),
        _("便民服务次数"),
        _("便民服务金额（元）"),
    ]


def figure_values(f: Figures) -> list[Any]:
    return [
        f.purchase_orders,
        f.purchase_amount,
        f.sale_orders,
        f.sale_amount,
        f.farm_orders,
        f.farm_amount,
        f.goods_orders,
        f.goods_amount,
        f.parcels_in,
        f.parcels_out,
        f.services,
        f.services_amount,
    ]


class PrintBook:
    """An xlsx workbook in constant memory with sheets set up the way a county office prints:
    a merged title, a subtitle, bold bordered header repeated on every page, landscape A4,
    fit to one page wide, page numbers in the footer and a signature line at the end."""

    def __init__(self, target: IO[bytes]) -> None:
        self.book = workbook(target, constant_memory=True, in_memory=False)
        self.title = self.book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        self.sub = self.book.add_format({"font_size": 10})
        self.head = self.book.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#E2EFDA",
            }
        )
        self.cell = self.book.add_format({"border": 1})
        self.money = self.book.add_format({"border": 1, "num_format": "#,##0.00"})
        self.total = self.book.add_format({"border": 1, "bold": True})
        self.total_money = self.book.add_format({"border": 1, "bold": True, "num_format": "#,##0.00"})

    def sheet(self, name: str, title: str, subtitle: str, header: Sequence[str], widths: Sequence[int]) -> Any:
        ws = self.book.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.repeat_rows(3)
        ws.set_footer("&C" + _("第 &P 页，共 &N 页"))
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, len(header) - 1, title, self.title)
        ws.merge_range(1, 0, 1, len(header) - 1, subtitle, self.sub)
        ws.set_row(3, 32)
        for col, text in enumerate(header):
            ws.write_string(3, col, str(text), self.head)
        ws._cz_row = 4
        return ws

    def row(self, ws: Any, values: Sequence[Any], *, total: bool = False) -> None:
        r = ws._cz_row
        for col, value in enumerate(values):
            if isinstance(value, Decimal):
                ws.write_number(r, col, float(value), self.total_money if total else self.money)
            elif isinstance(value, int | float):
                ws.write_number(r, col, value, self.total if total else self.cell)
            else:
                ws.write_string(r, col, "" if value is None else str(value), self.total if total else self.cell)
        ws._cz_row = r + 1

    def signature(self, ws: Any) -> None:
        ws.write_string(ws._cz_row + 1, 0, _("制表人：              审核人：              单位（盖章）："), self.sub)

    def close(self) -> None:
        self.book.close()


def _period_text(start: date, end: date) -> str:
    return f"{start:%Y-%m-%d} — {end:%Y-%m-%d}"


@dataclass
class Consolidated:
    """上月站点运营情况统计报表, as the Excel workbook and the PDF lay it out."""

    title: str
    subtitle: str
    header: list[str]
    rows: list[list[Any]]  # one per station
    total: list[Any]
    lines_header: list[str]
    lines: list[list[Any]]  # the product lines


def consolidated(user: Any, county: Region, year: int, month: int, *, unit_name: str = "") -> Consolidated:
    """The operating unit's monthly table: one row per station with its report status, the total, and
    the product lines."""
    start, end = dates.month_first(year, month), dates.month_last(year, month)
    stats = county_statistics(user, county.code, start, end)
    period = monthly_period(selectors.ReportSettings.for_county(county.code), year, month)
    board = {row.station_id: row for row in selectors.period_board(user, county.code, period)}
    rows = []
    for i, row in enumerate(stats.stations, start=1):
        status = board.get(row.station_id)
        label = ReportStatus(status.status).label if status else _("不需报送")
        rows.append([i, row.township, row.code, row.name, *figure_values(row.figures), str(label)])
    lines = [
        [
            line["station__code"],
            line["station__name"],
            _("代购") if line["section"] == "purchase" else _("代销"),
            line["product_name"],
            line["platform"] or "",
            line["n"],
            line["q"] or Decimal(0),
            line["a"] or Decimal(0),
        ]
        for line in product_lines(user, county.code, start, end)
    ]
    return Consolidated(
        title=_("%(county)s %(year)d年%(month)d月站点运营情况统计报表")
        % {"county": county.name, "year": year, "month": month},
        subtitle=_("运营单位：%(unit)s    统计期：%(period)s    制表时间：%(now)s")
        % {
            "unit": unit_name or "—",
            "period": _period_text(start, end),
            "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
        header=[_("序号"), _("乡镇"), _("站点编码"), _("站点名称"), *figure_headers(), _("月报状态")],
        rows=rows,
        total=[
            "",
            _("合计"),
            "",
            _("%(n)d 个站点") % {"n": stats.total.stations},
            *figure_values(stats.total.figures),
            "",
        ],
        lines_header=[
            _("站点编码"),
            _("站点名称"),
            _("类别"),
            _("品名"),
            _("网店/平台"),
            _("单数"),
            _("数量"),
            _("金额（元）"),
        ],
        lines=lines,
    )


def write_consolidated(
    target: IO[bytes], user: Any, county: Region, year: int, month: int, *, unit_name: str = ""
) -> None:
    """上月站点运营情况统计报表: summary sheet (one row per station, report status) + product lines."""
    table = consolidated(user, county, year, month, unit_name=unit_name)
    book = PrintBook(target)
    ws = book.sheet(_("汇总"), table.title, table.subtitle, table.header, [6, 12, 12, 20, *[10] * 12, 10])
    for row in table.rows:
        book.row(ws, row)
    book.row(ws, table.total, total=True)
    book.signature(ws)
    detail = book.sheet(_("品名明细"), table.title, table.subtitle, table.lines_header, [12, 20, 8, 24, 16, 8, 10, 12])
    for line in table.lines:
        book.row(detail, line)
    book.signature(detail)
    book.close()


def write_county_statistics(target: IO[bytes], county: Region, stats: CountyStatistics, *, label: str) -> None:
    book = PrintBook(target)
    title = _("%(county)s 电子商务进农村统计（%(label)s）") % {"county": county.name, "label": label}
    subtitle = _("统计期：%(period)s    制表时间：%(now)s") % {
        "period": _period_text(stats.start, stats.end),
        "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    head = [_("乡镇"), _("站点数"), _("活跃站点"), _("无业务站点"), *figure_headers()]
    ws = book.sheet(_("按乡镇"), title, subtitle, head, [14, 8, 8, 10, *[10] * 12])
    for group in stats.townships:
        book.row(
            ws, [group.name or group.code, group.stations, group.active, group.idle, *figure_values(group.figures)]
        )
    t = stats.total
    book.row(ws, [_("合计"), t.stations, t.active, t.idle, *figure_values(t.figures)], total=True)
    book.signature(ws)
    head = [_("乡镇"), _("站点编码"), _("站点名称"), _("是否活跃"), *figure_headers()]
    ws = book.sheet(_("按站点"), title, subtitle, head, [12, 12, 20, 8, *[10] * 12])
    for row in stats.stations:
        book.row(
            ws, [row.township, row.code, row.name, _("是") if row.active else _("否"), *figure_values(row.figures)]
        )
    book.row(ws, [_("合计"), "", "", t.active, *figure_values(t.figures)], total=True)
    book.signature(ws)
    book.close()


# -- upward export (cunzhan-upward/1) ----------------------------------------------------------------


def _decimal(value: Decimal) -> str:
    return str(round_money(value))


def upward_payload(user: Any, *, county: Region, kind: str, period: str = "") -> dict[str, Any]:
    """The document sent upward; see docs/upward-export.md for every field."""
    payload: dict[str, Any] = {
        "format": UPWARD_FORMAT,
        "kind": kind,
        "county": {"code": county.code, "name": county.name},
        "generated_at": timezone.localtime().isoformat(),
    }
    if kind == UpwardKind.REGISTER:
        stations = (
            user.scope.filter(Station.objects.filter(county_code=county.code, status__in=CERTIFIED_STATUSES))
            .select_related("region", "operating_unit")
            .order_by("code")
        )
        payload["stations"] = [
            {
                "code": s.code,
                "name": s.name,
                "tier": s.tier,
                "tier_label": str(Tier(s.tier).label),
                "status": s.status,
                "status_label": str(Status(s.status).label),
                "region_code": s.region_id,
                "region_name": s.region.name,
                "operating_unit": s.operating_unit.name if s.operating_unit else "",
                "address": s.address,
                "certified_on": dates.local_date(s.certified_at).isoformat() if s.certified_at else None,
                "longitude": str(s.longitude) if s.longitude is not None else None,
                "latitude": str(s.latitude) if s.latitude is not None else None,
            }
            for s in stations
        ]
        return payload
    if kind != UpwardKind.STATISTICS:
        raise ValueError(kind)
    year, month = dates.parse_month(period)
    start, end = dates.month_first(year, month), dates.month_last(year, month)
    stats = county_statistics(user, county.code, start, end)
    board = {
        r.station_id: r.status
        for r in selectors.period_board(
            user, county.code, monthly_period(selectors.ReportSettings.for_county(county.code), year, month)
        )
    }

    def figures(f: Figures) -> dict[str, Any]:
        return {k: (_decimal(v) if isinstance(v, Decimal) else v) for k, v in f.as_dict().items()}

    payload["period"] = {"month": period, "start": start.isoformat(), "end": end.isoformat()}
    payload["totals"] = {
        "stations": stats.total.stations,
        "active_stations": stats.total.active,
        "idle_stations": stats.total.idle,
        **figures(stats.total.figures),
    }
    payload["townships"] = [
        {"code": g.code, "name": g.name, "stations": g.stations, "active_stations": g.active, **figures(g.figures)}
        for g in stats.townships
    ]
    payload["stations"] = [
        {
            "code": r.code,
            "name": r.name,
            "township_code": r.township_code,
            "active": r.active,
            "monthly_report": board.get(r.station_id, ""),
            **figures(r.figures),
        }
        for r in stats.stations
    ]
    return payload


def write_upward_xlsx(target: IO[bytes], payload: dict[str, Any]) -> None:
    """The same document as a workbook: one sheet of rows, the header naming the JSON fields."""
    book = PrintBook(target)
    county = payload["county"]["name"]
    subtitle = f"{payload['format']} · {payload['generated_at']}"
    rows = payload.get("stations", [])
    keys = list(rows[0]) if rows else ["code", "name"]
    if payload["kind"] == UpwardKind.REGISTER:
        title = _("%(county)s 认定服务站名录") % {"county": county}
    else:
        title = _("%(county)s %(month)s 服务站月度统计") % {"county": county, "month": payload["period"]["month"]}
    ws = book.sheet(_("数据"), title, subtitle, keys, [14] * len(keys))
    for row in rows:
        book.row(ws, [row.get(k) if not isinstance(row.get(k), bool) else int(row[k]) for k in keys])
    book.close()


__all__ = ["UPWARD_FORMAT", "Kind", "upward_payload", "write_consolidated", "write_county_statistics"]
