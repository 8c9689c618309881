"""``cunzhan export-statistics --county 610828 --month 2025-01 --kind county --output stats.xlsx``"""

from __future__ import annotations

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cunzhan.core import dates
from cunzhan.reports import exporters
from cunzhan.reports.management.commands._common import county_arg, month_arg, system_user
from cunzhan.reports.statistics import county_statistics

KINDS = {
    "county": "县级统计（按乡镇、按站点）",
    "consolidated": "运营单位站点运营情况统计报表",
    "register": "上报：认定站点名录（cunzhan-upward/1）",
    "upward": "上报：月度统计（cunzhan-upward/1）",
}


class Command(BaseCommand):
    help = "导出统计：县级统计、站点运营情况统计报表，或上报文件（Excel 或 JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True)
        parser.add_argument("--month", help="YYYY-MM（默认上月）")
        parser.add_argument("--ytd", action="store_true", help="县级统计：年初至该月累计")
        parser.add_argument("--kind", choices=sorted(KINDS), default="county")
        parser.add_argument("--format", choices=["xlsx", "json"], default="xlsx")
        parser.add_argument("--output", "-o", help="输出文件（JSON 默认输出到屏幕；Excel 必须指定）")

    def handle(self, *args, **options):
        county = county_arg(options["county"])
        year, month = month_arg(options["month"])
        user = system_user()
        kind, fmt, output = options["kind"], options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError("导出 Excel 须用 --output 指定文件")
        if kind in ("register", "upward"):
            payload = exporters.upward_payload(
                user,
                county=county,
                kind="register" if kind == "register" else "statistics",
                period=f"{year}-{month:02d}",
            )
            if fmt == "json":
                self._json(payload, output)
            else:
                with open(output, "wb") as fh:
                    exporters.write_upward_xlsx(fh, payload)
        elif kind == "consolidated":
            if fmt == "json":
                raise CommandError("站点运营情况统计报表只导出 Excel；JSON 请用 --kind upward")
            with open(output, "wb") as fh:
                exporters.write_consolidated(fh, user, county, year, month)
        else:
            start = date(year, 1, 1) if options["ytd"] else dates.month_first(year, month)
            stats = county_statistics(user, county.code, start, dates.month_last(year, month))
            label = f"{year}年1—{month}月累计" if options["ytd"] else f"{year}年{month}月"
            if fmt == "json":
                payload = exporters.upward_payload(user, county=county, kind="statistics", period=f"{year}-{month:02d}")
                if options["ytd"]:
                    raise CommandError("年初至今的统计请导出 Excel")
                self._json(payload, output)
            else:
                with open(output, "wb") as fh:
                    exporters.write_county_statistics(fh, county, stats, label=label)
        if output:
            self.stderr.write(f"已写入 {output}")

    def _json(self, payload, output):
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text + "\n")
