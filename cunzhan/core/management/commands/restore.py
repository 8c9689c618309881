from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cunzhan.core.backup import BackupError, restore
from cunzhan.core.privileges import RuntimeRoleError, grant_runtime


class Command(BaseCommand):
    help = (
        "用备份文件整体恢复数据库（覆盖现有数据；全部成功或全部不变）。PostgreSQL 上须以属主角色运行；"
        "设置了 DATABASE_RUNTIME_ROLE 时随后为运行角色重新授权。"
    )

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
        if settings.DATABASE_RUNTIME_ROLE and not database:
            # the restored tables are new tables: they carry the owner's default grants, which on the
            # log tables are wider than the runtime role's (cunzhan.core.privileges)
            try:
                granted = grant_runtime(settings.DATABASE_RUNTIME_ROLE)
            except RuntimeRoleError as exc:
                raise CommandError(f"已恢复，但未能为运行角色授权：{exc}") from exc
            if granted:
                self.stdout.write(granted.describe())
