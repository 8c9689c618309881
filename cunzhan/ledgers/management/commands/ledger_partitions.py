from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import ProgrammingError, connection

from cunzhan.ledgers import partitions


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise CommandError(f"月份格式应为 YYYY-MM：{text}") from exc


class Command(BaseCommand):
    help = (
        "在 PostgreSQL 上为四本台账建好按月分区（默认：从配置的首月到当月之后 LEDGER_PARTITIONS_AHEAD 个月，"
        "默认 2 个月；每月运行一次即可）。须以数据表的属主角色运行：应用的运行角色不能建表（docs/deployment.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_month, help="起始月份 YYYY-MM")
        parser.add_argument("--to", dest="last", type=_month, help="截止月份 YYYY-MM")

    def handle(self, *args, first=None, last=None, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite 不分区，无需操作。")
            return
        if first and last and first > last:
            raise CommandError("起始月份晚于截止月份")
        try:
            created = partitions.ensure(first, last)
        except ProgrammingError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "42501":  # insufficient_privilege
                raise
            raise CommandError(
                "当前数据库角色无权建表：ledger-partitions 须以数据表的属主角色运行（docs/deployment.md）"
            ) from exc
        self.stdout.write(f"新建分区 {len(created)} 个" + (f"：{'、'.join(created)}" if created else ""))
