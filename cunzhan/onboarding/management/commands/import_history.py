from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from cunzhan.accounts.models import User
from cunzhan.core.tabular import ImportRejected
from cunzhan.onboarding import exporters, services
from cunzhan.onboarding.kinds import IMPORTERS
from cunzhan.onboarding.models import HistoryKind
from cunzhan.regions.models import Level, Region


class Command(BaseCommand):
    help = (
        "导入本县考核尚未发布的历史记录（历史导入），按实际日期：reports 报表报送、inspections 实地察看、"
        "attendance 培训出勤、participation 营销活动参与、faults 设备报修。仅县电商办或系统管理员账号可用。"
        "整个文件无误才保存；同一文件重复导入不会重复登记。用 --template 生成该类的模板。"
    )

    def add_arguments(self, parser):
        kinds = "、".join(f"{k.value} {k.label}" for k in HistoryKind)
        parser.add_argument("kind", choices=sorted(IMPORTERS), help=f"类别：{kinds}")
        parser.add_argument("file", nargs="?", help="填好的表格（.xlsx 或 .csv）")
        parser.add_argument("--as", dest="username", required=True, help="以该账号（县电商办）的身份和管辖范围导入")
        parser.add_argument("--county", help="县级区划代码（系统管理员须指定；县电商办默认本县）")
        parser.add_argument("--template", metavar="PATH", help="把该类的导入模板写到该文件后退出")

    def handle(self, *args, kind, file=None, username, county=None, template=None, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        region = None
        if county:
            region = Region.objects.filter(code=county, level=Level.COUNTY).first()
            if region is None:
                raise CommandError(f"县级区划 {county} 不存在。")
        try:
            if template:
                exporters.write_template(template, user=user, kind=kind, county=region)
                self.stdout.write(self.style.SUCCESS(f"模板已写入 {template}"))
                return
            if not file:
                raise CommandError("请给出文件，如：cunzhan import-history reports 报表.xlsx --as jiaxian")
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"文件不存在：{file}")
            outcome = services.history_import(acting_user=user, kind=kind, source=path, name=path.name, county=region)
        except ImportRejected as exc:
            lines = [str(e) for e in exc.errors]
            raise CommandError(f"导入失败，未写入任何数据（{len(lines)} 处错误）：\n" + "\n".join(lines)) from exc
        except ValidationError as exc:
            raise CommandError("导入失败，未写入任何数据：\n" + "\n".join(exc.messages)) from exc
        except (PermissionDenied, Http404) as exc:
            raise CommandError(f"导入失败，未写入任何数据：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(outcome.describe()))
