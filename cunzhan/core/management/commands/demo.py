from __future__ import annotations

from django.core.management.base import BaseCommand

from cunzhan.core import demo


class Command(BaseCommand):
    help = "载入演示数据（佳县 610828 与寻乌县 360734；可重复运行，不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument("--disable-accounts", action="store_true", help="停用所有演示账号（生产环境用）")

    def handle(self, *args, disable_accounts=False, **options):
        if disable_accounts:
            from cunzhan.accounts.models import User

            count = User.objects.filter(is_demo=True, is_active=True).update(is_active=False)
            self.stdout.write(self.style.SUCCESS(f"已停用 {count} 个演示账号。"))
            return
        ctx = demo.load(self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {demo.DEMO_PASSWORD}）："))
        width = max(len(u) for u, _r, _s in ctx.logins)
        for username, role, scope in ctx.logins:
            self.stdout.write(f"  {username.ljust(width)}  {role}  {scope}")
