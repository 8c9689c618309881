from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cunzhan.core.tabular import ImportRejected
from cunzhan.stations.importers import import_stations


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx）或 CSV 批量导入服务站（模板见“服务站 → 批量导入”）：无“当前状态”的行登记为新申请，"
        "填了当前状态和认定日期的行按历史导入直接进入该状态。先检查整个文件，有任何错误都不保存；"
        "同一文件再次导入时不做任何修改。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="服务站表格文件")
        parser.add_argument("--as", dest="username", required=True, help="以该账号的身份和管辖范围导入")

    def handle(self, *args, file, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在。")
        try:
            summary = import_stations(path, acting_user=user, name=path.name)
        except PermissionDenied as exc:
            raise CommandError(f"账号 {username} 的角色无权进行此导入。") from exc
        except ImportRejected as exc:
            raise CommandError(f"导入失败，未写入任何数据（共 {len(exc.errors)} 处错误）：\n{exc}") from exc
        if summary.already is not None:
            self.stdout.write(self.style.WARNING(summary.message()))
            return
        self.stdout.write(self.style.SUCCESS(summary.message()))
