from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from cunzhan.accounts.demo import DEMO_PASSWORD
from cunzhan.site import demo


class Command(BaseCommand):
    help = (
        "载入演示数据。--scale county（默认）：佳县 610828 与寻乌县 360734，可重复运行；"
        "--scale province：再加陕西省其余各县共 17,000 个服务站及一年约 5,000 万行台账（仅 PostgreSQL）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["county", "province"], default="county", help="数据规模")
        parser.add_argument(
            "--seed", type=int, default=2025, help="省级数据的随机种子（同一种子生成同样的数据；县级演示数据固定不变）"
        )
        parser.add_argument("--stations", type=int, default=None, help="省级规模的服务站总数（默认 17000）")
        parser.add_argument("--disable-accounts", action="store_true", help="停用所有演示账号（生产环境用）")

    def handle(self, *args, scale="county", seed=2025, stations=None, disable_accounts=False, **options):
        if disable_accounts:
            from cunzhan.accounts.models import User

            count = User.objects.filter(is_demo=True, is_active=True).update(is_active=False)
            self.stdout.write(self.style.SUCCESS(f"已停用 {count} 个演示账号。"))
            return
        if scale == "province":
            from django.db import connection

            if connection.vendor != "postgresql":
                raise CommandError("省级规模数据只能生成在 PostgreSQL 上：请设置 DATABASE_URL=postgres://…")
        ctx = demo.load(self.stdout.write)
        if scale == "province":
            self._province(seed, stations)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        width = max(len(u) for u, _r, _s in ctx.logins)
        for username, role, scope in ctx.logins:
            self.stdout.write(f"  {username.ljust(width)}  {role}  {scope}")
        if scale == "province":
            self.stdout.write(
                "  另有各县账号 county-<县代码>、operator-<县代码>、supervisor-<县代码>，站长 keeper-<站点编码去掉 SX>"
            )

    def _province(self, seed: int, stations: int | None) -> None:
        from functools import partial

        from tqdm import tqdm

        from cunzhan.site import province

        options = province.Options(seed=seed, stations=stations or province.STATIONS)
        self.stdout.write(f"生成省级数据（种子 {seed}，服务站 {options.stations:,} 个）…")
        bar = partial(tqdm, file=sys.stderr, disable=None, mininterval=2)
        counts = province.generate(options, self.stdout.write, progress_bar=bar)
        if counts:
            self.stdout.write("，".join(f"{k} {v:,}" for k, v in counts.items()))
