from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cunzhan.regions.importers import RegionImportError, import_regions


class Command(BaseCommand):
    help = "导入行政区划代码（CSV，可为 gzip 压缩；需 code、name 两列）。不给文件则导入随包附带的区划。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="区划 CSV 文件；省略则用随包附带的全国区划")
        parser.add_argument("--only", help="只导入该区划及其下级（并补齐上级），如 610828")

    def handle(self, *args, file=None, only=None, **options):
        try:
            summary = import_regions(Path(file) if file else None, only=only)
        except RegionImportError as exc:
            raise CommandError("导入失败，未写入任何数据：\n" + str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"读取 {summary.read} 条，新增 {summary.created} 条，更名 {summary.updated} 条。")
        )
