from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunzhan.assessment.computation import compute_period
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.engine.evaluate import PeriodResult, assess_annual, rank
from cunzhan.assessment.facts import gather_supervision
from cunzhan.assessment.models import SchemeVersion
from cunzhan.assessment.selectors import current_published, scheme_for_county
from cunzhan.assessment.whatif import compare, comparison_json, comparison_lines, read_scheme_file
from cunzhan.regions.models import Level, Region


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


class Command(BaseCommand):
    help = "计算一个县某考核期的结果（不保存；已发布的半年结果用于年度综合）。"

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="县级区划代码，如 610828")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--period", required=True, choices=["H1", "H2", "annual"])
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
        parser.add_argument(
            "--scheme", metavar="FILE", help="按此方案文件计算（TOML 或 JSON，整体校验）；不给则用本县当前方案"
        )
        parser.add_argument(
            "--compare", action="store_true", help="用该考核期已发布结果的冻结数据试算，与已发布结果逐站对比（不保存）"
        )

    def handle(self, *args, county: str, year: int, period: str, json: bool, **options):
        region = Region.objects.filter(code=county, level=Level.COUNTY).first()
        if region is None:
            raise CommandError(f"县级区划 {county} 不存在")
        scheme_version = scheme_for_county(region)
        try:
            if options.get("scheme"):
                data = read_scheme_file(options["scheme"])
                scheme_version = SchemeVersion(
                    code=str(data.get("code", "file")), name=str(data.get("name", "")), data=data
                )
                scheme_version.version = int(data.get("version", 1))
            if options.get("compare"):
                self._compare(region, year, period, scheme_version, json)
                return
            if period == "annual":
                stations = self._annual(region, year, scheme_version)
            else:
                results, _facts = compute_period(region.code, year, period, scheme_version)
                stations = [self._period_row(r) for r in results]
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        payload = {
            "county": county,
            "year": year,
            "period": period,
            "scheme": scheme_version.code,
            "stations": stations,
        }
        if json:
            self.stdout.write(_dumps(payload))
            return
        self.stdout.write(f"{region.name} {year} {period}（方案 {scheme_version.code} v{scheme_version.version}）")
        for row in stations:
            self.stdout.write(
                f"  {row['station']:<16} {row['status']:<10} {row['total'] or '—':>7} "
                f"{row['grade'] or '':<4} {row['rank'] or ''}"
            )

    def _compare(self, region, year, period, scheme_version, as_json: bool) -> None:
        published = current_published(region, year, period)
        if published is None:
            raise CommandError(f"{region.name} {year} {period} 尚未发布，没有冻结数据可供试算")
        comparison = compare(published, parse_scheme(scheme_version.data))
        if as_json:
            payload = {**comparison_json(comparison), "scheme": scheme_version.code}
            self.stdout.write(_dumps(payload))
        else:
            self.stdout.write("\n".join(comparison_lines(comparison)))

    @staticmethod
    def _period_row(r: PeriodResult) -> dict:
        return {
            "station": r.station,
            "status": r.status,
            "items": {str(i.no): money(i.score) for i in r.items} if r.status == "assessed" else {},
            "total": money(r.total),
            "grade": r.grade,
            "rank": r.rank,
        }

    def _annual(self, region, year, scheme_version) -> list[dict]:
        scheme = parse_scheme(scheme_version.data)
        halves = {}
        for half in ("H1", "H2"):
            published = current_published(region, year, half)
            if published:
                halves[half] = {
                    r.station.code: PeriodResult(r.station.code, r.status, total=r.total)
                    for r in published.results.select_related("station")
                }
            else:
                halves[half] = {r.station: r for r in compute_period(region.code, year, half, scheme_version)[0]}
        supervision = gather_supervision(region.code, year)
        from cunzhan.assessment.engine import SupervisionFacts

        annual = [
            assess_annual(
                scheme,
                halves["H1"].get(code, PeriodResult(code, "incubation")),
                halves["H2"].get(code, PeriodResult(code, "incubation")),
                supervision.get(code) or SupervisionFacts(code),
            )
            for code in sorted(set(halves["H1"]) | set(halves["H2"]))
        ]
        return [
            {
                "station": r.station,
                "status": r.status,
                "h1": money(r.h1),
                "h2": money(r.h2),
                "deductions": money(r.deductions),
                "total": money(r.total),
                "grade": r.grade,
                "rank": r.rank,
            }
            for r in rank(annual)
        ]


def _dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
