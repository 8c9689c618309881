from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunzhan.ledgers.exporters import export_ledger
from cunzhan.ledgers.management.commands._actor import resolve_actor
from cunzhan.ledgers.selectors import EntryFilter
from cunzhan.ledgers.specs import SPECS


class Command(BaseCommand):
    help = "导出台账到 .xlsx 或 .csv（默认隐藏顾客个人信息）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SPECS), help="台账：purchase、sale、parcel、service")
        parser.add_argument("-o", "--output", help="输出文件（.xlsx 或 .csv）；省略则 CSV 写到标准输出")
        parser.add_argument("--station", default="", help="只导出该站点编码")
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, help="起始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, help="截止日期 YYYY-MM-DD")
        parser.add_argument("--user", help="以该账号身份导出（默认：第一个系统管理员）")
        parser.add_argument("--unmasked", action="store_true", help="不脱敏（须有权限；县电商办须填 --reason）")
        parser.add_argument("--reason", default="", help="不脱敏导出的理由（记入操作日志）")

    def handle(self, *args, kind, output=None, station="", date_from=None, date_to=None, user=None, **options):
        actor = resolve_actor(user)
        entry_filter = EntryFilter(station=station, date_from=date_from, date_to=date_to)
        common = {
            "acting_user": actor,
            "kind": kind,
            "entry_filter": entry_filter,
            "unmasked": options["unmasked"],
            "reason": options["reason"],
        }
        try:
            if output is None:
                count = export_ledger(target=sys.stdout, fmt="csv", **common)
            elif Path(output).suffix.lower() == ".csv":
                with open(output, "w", encoding="utf-8-sig", newline="") as handle:
                    count = export_ledger(target=handle, fmt="csv", **common)
            else:
                with open(output, "wb") as handle:
                    count = export_ledger(target=handle, fmt="xlsx", **common)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        if output:
            self.stderr.write(self.style.SUCCESS(f"已导出 {count} 行到 {output}"))
