from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cunzhan.core.privileges import RuntimeRoleError, grant_runtime


class Command(BaseCommand):
    help = (
        "PostgreSQL：给应用运行所用的数据库角色（不拥有任何对象）授权：业务表可增删改查，"
        "日志表只可插入和读取，今后新建的表默认同样授权。须以属主角色在 migrate 之后运行；"
        "可重复运行。设置了 DATABASE_RUNTIME_ROLE 时 migrate 和 restore 会自动运行（docs/deployment.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "role", nargs="?", default=None, help="运行角色的名称；默认取环境变量 DATABASE_RUNTIME_ROLE"
        )

    def handle(self, *args, role: str | None, **options):
        role = role or settings.DATABASE_RUNTIME_ROLE
        if not role:
            raise CommandError("请给出运行角色的名称，或设置 DATABASE_RUNTIME_ROLE")
        try:
            granted = grant_runtime(role)
        except RuntimeRoleError as exc:
            raise CommandError(str(exc)) from exc
        if granted is None:
            self.stdout.write("SQLite 没有数据库角色，无需授权。")
            return
        self.stdout.write(granted.describe())
        if granted.can_create_in_schema:
            self.stderr.write(
                self.style.WARNING(
                    f"注意：{role} 仍可在模式中建表（PostgreSQL 14 及更早版本 PUBLIC 默认有此权限），"
                    "请以超级用户执行 REVOKE CREATE ON SCHEMA public FROM PUBLIC（docs/deployment.md）"
                )
            )
