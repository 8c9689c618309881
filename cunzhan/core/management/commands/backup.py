from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunzhan.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份整个数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份）。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="备份文件；默认 var/backups/cunzhan-时间.backup")

    def handle(self, *args, file=None, **options):
        path = Path(file or f"var/backups/cunzhan-{timezone.localtime():%Y%m%d-%H%M%S}.backup")
        try:
            backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已备份到 {path}（{path.stat().st_size:,} 字节）"))
