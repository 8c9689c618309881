from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunzhan.core.backup import BackupError, restore
from cunzhan.core.privileges import RuntimeRoleError, grant_runtime


class Command(BaseCommand):
    help = (
        "用备份文件整体恢复数据库（覆盖现有数据；全部成功或全部不变）。PostgreSQL 上须以属主角色运行；"
        "设置了 DATABASE_RUNTIME_ROLE 时随后为运行角色重新授权。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="cunzhan backup 写的备份文件")
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据")
        parser.add_argument("--database", help="PostgreSQL：恢复到同一服务器上的另一个（已存在的）数据库")
        point = parser.add_argument_group("时间点恢复（pgBackRest，不动现有数据库）")
        point.add_argument(
            "--pgbackrest",
            metavar="TIME",
            help="恢复到这一时刻（如 '2026-12-08 09:30:00+08'）的数据库副本，放在 --into 目录并在 --port 端口启动",
        )
        point.add_argument("--into", help="副本的数据目录（须不存在或为空）")
        point.add_argument("--port", type=int, default=5449, help="副本的端口（默认 5449）")

    def handle(self, *args, file: str | None, yes: bool, database: str | None, **options):
        if options.get("pgbackrest"):
            self._point_in_time(options["pgbackrest"], options.get("into"), options["port"])
            return
        if not file:
            raise CommandError("请给出备份文件，或用 --pgbackrest 时间 --into 目录 做时间点恢复")
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

    def _point_in_time(self, moment: str, into: str | None, port: int) -> None:
        from django.db import connection
        from django.utils.dateparse import parse_datetime

        from cunzhan.core import pgbackrest

        target = parse_datetime(moment)
        if target is None:
            raise CommandError(f"无法识别的时间：{moment}")
        if timezone.is_naive(target):
            target = timezone.make_aware(target)
        if not into:
            raise CommandError("时间点恢复须用 --into 指定副本的数据目录")
        try:
            scratch = pgbackrest.restore_to_time(target, Path(into), port=port)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已恢复到 {timezone.localtime(target):%Y-%m-%d %H:%M:%S%z}"))
        self.stdout.write(f"副本：{scratch.url(connection.settings_dict['NAME'])}")
        self.stdout.write(f"用毕停止并删除：pg_ctl -D {scratch.directory} stop && rm -r {scratch.directory}")
