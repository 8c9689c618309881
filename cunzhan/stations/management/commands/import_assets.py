from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cunzhan.core.tabular import ImportRejected
from cunzhan.stations.asset_import import import_assets


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx）或 CSV 批量导入服务站的公共资产（模板见“服务站 → 导入公共资产”）。"
        "先检查整个文件，有任何错误都不保存；站点已登记的相同资产不会重复登记。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="公共资产表格文件")
        parser.add_argument("--as", dest="username", required=True, help="以该账号的身份和管辖范围导入")

    def handle(self, *args, file, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在。")
        try:
            summary = import_assets(path, acting_user=user, name=path.name)
        except PermissionDenied as exc:
            raise CommandError(f"账号 {username} 的角色无权进行此导入。") from exc
        except ImportRejected as exc:
            raise CommandError(f"导入失败，未写入任何数据（共 {len(exc.errors)} 处错误）：\n{exc}") from exc
        self.stdout.write(self.style.SUCCESS(summary.message()))
