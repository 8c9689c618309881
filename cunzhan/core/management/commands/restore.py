from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cunzhan.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "用备份文件整体恢复数据库（覆盖现有数据；全部成功或全部不变）。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据")
        parser.add_argument("--database", help="PostgreSQL：恢复到同一服务器上的另一个（已存在的）数据库")

    def handle(self, *args, file: str, yes: bool, database: str | None, **options):
        if not yes and not database:
            raise CommandError("恢复会覆盖现有全部数据；确认请加 --yes")
        try:
            restore(Path(file), database=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已从 {file} 恢复"))
