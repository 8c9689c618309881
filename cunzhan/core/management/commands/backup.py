from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunzhan.core import pgbackrest
from cunzhan.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "备份整个数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份）。--pgbackrest：用 pgBackRest 做全量或增量"
        "物理备份，配合持续归档的 WAL 可恢复到任一时刻（docs/deployment.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="备份文件；默认 var/backups/cunzhan-时间.backup")
        parser.add_argument(
            "--pgbackrest",
            action="store_true",
            help="pgBackRest 物理备份到其仓库（PGBACKREST_CONFIG、PGBACKREST_STANZA）",
        )
        parser.add_argument(
            "--type",
            dest="kind",
            choices=pgbackrest.BACKUP_TYPES,
            default="incr",
            help="与 --pgbackrest 同用：full 全量，incr 自上次备份以来的增量（默认；"
            "仓库里还没有全量时 pgBackRest 做全量），diff 自上次全量以来的差异",
        )
        parser.add_argument("--info", action="store_true", help="与 --pgbackrest 同用：只列出仓库里的备份")

    def handle(self, *args, file=None, pgbackrest: bool = False, kind: str = "incr", info: bool = False, **options):
        if pgbackrest or info:
            self._pgbackrest(kind, info)
            return
        path = Path(file or f"var/backups/cunzhan-{timezone.localtime():%Y%m%d-%H%M%S}.backup")
        try:
            backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已备份到 {path}（{path.stat().st_size:,} 字节）"))

    def _pgbackrest(self, kind: str, info_only: bool) -> None:
        try:
            listing = pgbackrest.info() if info_only else pgbackrest.backup(kind)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not info_only:
            self.stdout.write(self.style.SUCCESS(f"pgBackRest {kind} 备份完成"))
        self.stdout.write(listing)
