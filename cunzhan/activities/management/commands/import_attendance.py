from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunzhan.accounts.models import User
from cunzhan.activities.importers import import_attendance, write_template
from cunzhan.activities.models import Training
from cunzhan.core.tabular import ImportRejected


class Command(BaseCommand):
    help = (
        "导入一次培训的出勤登记表（.xlsx 或 .csv；列：站点编码、姓名、手机号、出勤情况、测试结果）。"
        "整表校验，有任何错误则不写入。用 --template 生成模板（须用 --as 给出账号：模板列出该账号管辖的服务站）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("training_id", nargs="?", type=int, help="培训编号")
        parser.add_argument("file", nargs="?", help="出勤登记表文件")
        parser.add_argument(
            "--as", "--user", dest="user", help="以该账号的身份和管辖范围导入或生成模板（导入时默认：培训的登记人）"
        )
        parser.add_argument("--reason", default="", help="考核期已发布时的更正理由")
        parser.add_argument("--template", metavar="PATH", help="把该账号的导入模板（含其服务站编码）写到该文件后退出")

    def handle(self, *args, training_id=None, file=None, user=None, reason="", template=None, **options):
        if template:
            if not user:
                raise CommandError("请用 --as 给出账号：模板的示例和“参考”工作表用该账号管辖的服务站编码。")
            write_template(template, user=self._account(user))
            self.stdout.write(self.style.SUCCESS(f"模板已写入 {template}"))
            return
        if training_id is None or not file:
            raise CommandError("请给出培训编号和文件，如：cunzhan import-attendance 12 出勤.xlsx")
        training = Training.objects.select_related("county", "created_by").filter(pk=training_id).first()
        if training is None:
            raise CommandError(f"培训 {training_id} 不存在。")
        actor = self._account(user) if user else training.created_by
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            summary = import_attendance(
                acting_user=actor, training=training, source=path, name=path.name, correction_reason=reason
            )
        except ImportRejected as exc:
            raise CommandError("导入失败，未写入任何数据：\n" + str(exc)) from exc
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("导入失败，未写入任何数据：\n" + "\n".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已导入 {summary.rows} 人次，涉及 {summary.stations} 个服务站。"))

    @staticmethod
    def _account(username: str) -> User:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        return actor
