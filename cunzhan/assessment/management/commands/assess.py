from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from cunzhan.accounts.models import User
from cunzhan.assessment.computation import compute_period
from cunzhan.assessment.engine import Line, parse_scheme
from cunzhan.assessment.engine.evaluate import AnnualResult, PeriodResult, assess_annual, rank
from cunzhan.assessment.facts import gather_supervision
from cunzhan.assessment.links import ref_label
from cunzhan.assessment.models import SchemeVersion
from cunzhan.assessment.selectors import current_published, scheme_for_county
from cunzhan.assessment.whatif import compare, comparison_json, comparison_lines, read_scheme_file
from cunzhan.core.money import format_score
from cunzhan.regions.models import Level, Region


def money(value) -> str | None:
    return None if value is None else format_score(value)


def line_json(line: Line) -> dict:
    """An explanation line as ``--explain`` prints it: its text, its points and the records behind it."""
    return {"text": line.text, "points": format_score(line.points), "refs": [ref.as_dict() for ref in line.refs]}


class Command(BaseCommand):
    help = (
        "以指定账号（--as，县电商办或系统管理员）计算一个县某考核期的结果并输出，不保存考核结果；"
        "已发布的半年结果用于年度综合。为统计代购、代销单数，会先刷新本县台账的月度汇总（看板与考核共用），"
        "输出末尾说明刷新了多少。--explain 列出每项的扣分说明及其依据的记录。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="县级区划代码，如 610828")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--period", required=True, choices=["H1", "H2", "annual"])
        parser.add_argument("--as", dest="username", required=True, help="以该账号的身份和管辖范围计算")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
        parser.add_argument("--explain", action="store_true", help="每项附扣分说明及其依据的记录")
        parser.add_argument(
            "--scheme", metavar="FILE", help="按此方案文件计算（TOML 或 JSON，整体校验）；不给则用本县当前方案"
        )
        parser.add_argument(
            "--compare", action="store_true", help="用该考核期已发布结果的冻结数据试算，与已发布结果逐站对比（不保存）"
        )

    def handle(self, *args, county: str, year: int, period: str, username: str, json: bool, explain: bool, **options):
        from cunzhan.ledgers.aggregates import refresh_counties

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        region = Region.objects.filter(code=county, level=Level.COUNTY).first()
        try:
            user.scope.require("assessment.manage")  # as the pages: computing is the county office's
            if region is None:
                raise CommandError(f"县级区划 {county} 不存在")
            user.scope.require_region(region.code)
        except (PermissionDenied, Http404) as exc:
            raise CommandError(f"{username}：{exc}") from exc
        scheme_version = scheme_for_county(region)
        try:
            if options.get("scheme"):
                data = read_scheme_file(options["scheme"])
                scheme_version = SchemeVersion(
                    code=str(data.get("code", "file")), name=str(data.get("name", "")), data=data
                )
                scheme_version.version = int(data.get("version", 1))
            if options.get("compare"):  # the published period's frozen facts: nothing is read afresh or written
                self._compare(region, year, period, scheme_version, json)
                return
            # the facts read the order counts from the ledgers' monthly summaries, brought up to date first:
            # the command's one write, said below (the boards read the same summaries)
            recounted = refresh_counties([region.code])
            if period == "annual":
                stations = self._annual(region, year, scheme_version, explain)
            else:
                results, _facts = compute_period(region.code, year, period, scheme_version)
                stations = [self._period_row(r, explain) for r in results]
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        payload = {
            "county": county,
            "year": year,
            "period": period,
            "scheme": scheme_version.code,
            "as": user.username,
            "stations": stations,
            # what the command wrote: no assessment result; the ledgers' monthly summaries it recounted
            "writes": {"assessment_results": 0, "ledger_station_months_recounted": recounted},
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
            if explain:
                self._print_lines(row)
        self.stdout.write(
            f"未保存考核结果；已刷新本县台账月度汇总（看板与考核共用），重算 {recounted} 个站点月份。"
            if recounted
            else "未保存考核结果；本县台账月度汇总已是最新，未重算。"
        )

    def _print_lines(self, row: dict) -> None:
        lines = [line for item in row.get("items", {}).values() for line in item["lines"]] + row.get("lines", [])
        for line in lines:
            if line["points"] != "0.00":
                self.stdout.write(f"      {line['text']}（{line['points']}）")
                for ref in line["refs"]:
                    self.stdout.write(f"        · {ref_label(ref)}")

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
    def _period_row(r: PeriodResult, explain: bool) -> dict:
        if explain:
            items: dict = {
                str(i.no): {"score": money(i.score), "lines": [line_json(line) for line in i.lines]} for i in r.items
            }
        else:
            items = {str(i.no): money(i.score) for i in r.items} if r.status == "assessed" else {}
        return {
            "station": r.station,
            "status": r.status,
            "items": items,
            "total": money(r.total),
            "grade": r.grade,
            "rank": r.rank,
        }

    def _annual(self, region, year, scheme_version, explain: bool) -> list[dict]:
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
        return [self._annual_row(r, explain) for r in rank(annual)]

    @staticmethod
    def _annual_row(r: AnnualResult, explain: bool) -> dict:
        row = {
            "station": r.station,
            "status": r.status,
            "h1": money(r.h1),
            "h2": money(r.h2),
            "deductions": money(r.deductions),
            "total": money(r.total),
            "grade": r.grade,
            "rank": r.rank,
        }
        if explain:
            row["lines"] = [line_json(line) for line in r.lines]
        return row


def _dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
