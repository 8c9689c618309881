from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cunzhan.stations import exporters, selectors


class Command(BaseCommand):
    help = (
        "导出服务站：--certified 导出认定站点上报文件（JSON 或 xlsx，格式见 docs/station-export.md），"
        "否则导出服务站台账（xlsx）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="以该账号的管辖范围导出")
        parser.add_argument("--certified", action="store_true", help="只导出认定站点（上报格式）")
        parser.add_argument("--format", choices=["json", "xlsx"], default="xlsx")
        parser.add_argument("-o", "--output", help="输出文件；JSON 可省略，输出到标准输出")

    def handle(self, *args, username, certified, format, output, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        if format == "xlsx" and not output:
            raise CommandError("导出 xlsx 须用 -o 指定输出文件。")
        if not certified and format == "json":
            raise CommandError("服务站台账只能导出为 xlsx；认定站点请加 --certified。")
        if certified:
            stations = selectors.certified_stations_for_user(user)
            if format == "json":
                document = exporters.certified_document(stations, scope=user.scope.region_code)
                text = json.dumps(document, ensure_ascii=False, indent=1)
                if output:
                    with open(output, "w", encoding="utf-8") as handle:
                        handle.write(text)
                else:
                    sys.stdout.write(text + "\n")
                return
            with open(output, "wb") as handle:
                exporters.write_certified_xlsx(handle, stations)
        else:
            with open(output, "wb") as handle:
                exporters.write_register_xlsx(handle, selectors.stations_for_user(user))
        self.stderr.write(f"已写入 {output}")
