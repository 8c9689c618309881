from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cunzhan.core.tabular import ImportRejected
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.management.commands._actor import resolve_actor
from cunzhan.ledgers.specs import SPECS

PHASES = {"read": "读取", "check": "检查", "write": "写入", "done": "完成"}


class Command(BaseCommand):
    help = "导入台账文件（.xlsx 或 .csv，使用下载的模板）。整个文件无误才保存；重复导入不会重复登记。"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=sorted(SPECS), help="台账：purchase 代购、sale 代销、parcel 快递、service 便民服务"
        )
        parser.add_argument("file", help="台账文件")
        parser.add_argument("--user", help="以该账号身份导入（默认：第一个系统管理员）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, kind, file, user=None, no_progress=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        actor = resolve_actor(user)
        bar = None
        if not no_progress and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=0, unit="行", file=sys.stderr, desc="读取", leave=False)

        def progress(phase: str, done: int, total: int) -> None:
            if bar is None:
                return
            bar.set_description(PHASES.get(phase, phase))
            if total and bar.total != total:
                bar.reset(total=total)
            bar.n = done
            bar.refresh()

        try:
            result = import_ledger(acting_user=actor, kind=kind, source=path, progress=progress)
        except ImportRejected as exc:
            lines = [str(e) for e in exc.errors]
            raise CommandError(f"导入失败，未写入任何数据（{len(lines)} 处错误）：\n" + "\n".join(lines)) from exc
        finally:
            if bar is not None:
                bar.close()
        rate = result.rows_read / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"{SPECS[kind].label}：读取 {result.rows_read} 行，新增 {result.rows_created} 行，"
                f"已存在而跳过 {result.rows_skipped} 行，用时 {result.seconds:.2f} 秒（{rate:,.0f} 行/秒），"
                f"批次 #{result.batch.pk}。"
            )
        )
