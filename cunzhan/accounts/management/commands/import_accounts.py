from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from cunzhan.accounts.importers import AlreadyImported, Created, import_accounts, write_template
from cunzhan.accounts.models import User
from cunzhan.core.tabular import ImportRejected
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import county_for_user

SLIPS_STYLESHEET = "accounts/slips.css"


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx）或 CSV 批量创建一个县的账号（县电商办、运营单位、镇村督查员、站长；模板见"
        "“账号管理 → 批量导入”或 --template）。先检查整个文件，有任何错误都不创建。每个新账号生成一个初始密码，"
        "只在这里显示一次，可用 --slips 写成打印用的账号通知单；首次登录须修改密码。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="账号表格文件")
        parser.add_argument("--as", dest="username", required=True, help="以该账号的身份和管辖范围导入")
        parser.add_argument("--county", help="县级区划代码（管辖多个县的账号须给出）")
        parser.add_argument(
            "--slips",
            metavar="PATH.html",
            help="把账号通知单（每人一张，含初始密码）写到该文件，样式表 slips.css 写在同一目录；打印后请删除",
        )
        parser.add_argument("--site", help="通知单上的网址（默认：https:// 加 ALLOWED_HOSTS 的第一个主机名）")
        parser.add_argument("--template", metavar="PATH", help="把该县的导入模板写到该文件后退出")

    def handle(self, *args, file=None, username, county=None, slips=None, site=None, template=None, **options):
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        region = self._county(actor, county)
        if template:
            try:
                write_template(template, acting_user=actor, county=region)
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(f"{region.name}的账号导入模板已写入 {template}"))
            return
        if not file:
            raise CommandError("请给出账号表格文件，如：cunzhan import-accounts 账号.xlsx --as jiaxian")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件 {file} 不存在。")
        address = self._site(site) if slips else ""
        try:
            created = import_accounts(path, acting_user=actor, county=region, name=path.name)
        except AlreadyImported as exc:
            self.stdout.write(str(exc))  # nothing to do: the file's accounts exist as it says
            return
        except ImportRejected as exc:
            raise CommandError(f"导入失败，未创建任何账号（共 {len(exc.errors)} 处错误）：\n{exc}") from exc
        except PermissionDenied as exc:
            raise CommandError(f"导入失败，未创建任何账号：{exc}") from exc
        self._print(created, region)
        if slips:
            self._write_slips(Path(slips), created, region, address)

    def _county(self, actor: User, code: str | None) -> Region:
        try:
            county = county_for_user(actor, code)
        except ValidationError as exc:
            raise CommandError("您管辖多个县，请用 --county 给出县级区划代码。") from exc
        except Http404 as exc:
            raise CommandError(str(exc)) from exc
        if county is None:  # not under ASK, which answers a county or raises; for the type
            raise CommandError("您的管辖范围内没有县。")
        return county

    def _site(self, site: str | None) -> str:
        if site:
            return site
        hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
        if not hosts:
            raise CommandError("请用 --site 给出通知单上的网址，如 --site https://cunzhan.example.gov.cn/")
        return f"{'http' if settings.DEBUG else 'https'}://{hosts[0]}/"

    def _print(self, created: list[Created], county: Region) -> None:
        self.stdout.write(self.style.SUCCESS(f"已在{county.name}创建 {len(created)} 个账号，首次登录须修改密码。"))
        self.stdout.write("初始密码只显示这一次，请现在转交本人（或用 --slips 打印通知单）：")
        rows = [("用户名", "姓名", "角色", "范围", "初始密码")]
        rows += [(c.username, c.display_name, c.role_label, c.place, c.password) for c in created]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True))
            )

    def _write_slips(self, path: Path, created: list[Created], county: Region, address: str) -> None:
        html = render_to_string(
            "accounts/slips_document.html",
            {
                "created": created,
                "county": county,
                "site_address": address,
                "issued_on": timezone.localdate(),
                "stylesheet": "slips.css",
            },
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        stylesheet = finders.find(SLIPS_STYLESHEET)
        if isinstance(stylesheet, str):
            shutil.copyfile(stylesheet, path.parent / "slips.css")
        self.stdout.write(f"账号通知单已写入 {path}（含初始密码：打印后请删除该文件）。")


def _width(text: str) -> int:
    """Columns a terminal gives the text: two for each Chinese character."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
