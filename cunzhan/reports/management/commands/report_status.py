"""``cunzhan report-status --county 610828 --month 2025-01``: who is on time, late, pending, missed."""

from __future__ import annotations

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunzhan.reports import selectors
from cunzhan.reports.management.commands._common import county_arg, month_arg, system_user
from cunzhan.reports.models import Kind, ReportSettings
from cunzhan.reports.status import ReportStatus, monthly_period, period_from_slug


class Command(BaseCommand):
    help = "列出一个县某月（或某周）各服务站的报送情况：按时、迟报、逾期未报、漏报。"

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="县级区划代码，如 610828")
        parser.add_argument("--month", help="月份 YYYY-MM（默认上月）")
        parser.add_argument("--week", help="周报：ISO 周 YYYY-Www，给出时忽略 --month")
        parser.add_argument("--at", help="按此时间判定（ISO 8601，默认现在）")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        county = county_arg(options["county"])
        settings = ReportSettings.for_county(county.code)
        try:
            period = (
                period_from_slug(settings, Kind.WEEKLY, options["week"])
                if options["week"]
                else monthly_period(settings, *month_arg(options["month"]))
            )
            now = datetime.fromisoformat(options["at"]) if options["at"] else timezone.now()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        rows = selectors.period_board(system_user(), county.code, period, now=now)
        counts = selectors.status_counts(rows)
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "county": county.code,
                        "kind": period.kind,
                        "period": period.slug,
                        "due_at": period.due_at.isoformat(),
                        "grace_end": period.grace_end.isoformat(),
                        "at": now.isoformat(),
                        "counts": counts,
                        "stations": [
                            {
                                "code": r.code,
                                "name": r.name,
                                "status": r.status,
                                "first_submitted_at": r.first_submitted_at.isoformat()
                                if r.first_submitted_at
                                else None,
                            }
                            for r in rows
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.stdout.write(
            f"{county.name} {period.label} 截止 {timezone.localtime(period.due_at):%Y-%m-%d %H:%M:%S} "
            f"宽限至 {timezone.localtime(period.grace_end):%Y-%m-%d %H:%M:%S}"
        )
        self.stdout.write("  ".join(f"{ReportStatus(k).label} {n}" for k, n in counts.items() if n))
        for r in rows:
            submitted = (
                timezone.localtime(r.first_submitted_at).strftime("%Y-%m-%d %H:%M:%S") if r.first_submitted_at else "—"
            )
            self.stdout.write(f"{r.code}\t{r.name}\t{ReportStatus(r.status).label}\t{r.status}\t{submitted}")
