"""cunzhan remind [--dry-run] [--at "2026-12-03 09:00"]: what is due at that moment, sent (or, dry, only
listed), one line each, ending with 已发送 N 条 (dry: 将发送 N 条)."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from cunzhan.core.dates import SHANGHAI
from cunzhan.notices.services import deliveries_send_due, notices_generate
from cunzhan.notices.wording import phrase


def parse_moment(text: str) -> datetime:
    for shape in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), shape).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise CommandError(f"时间格式不正确：{text}（应为 2026-12-03 09:00，北京时间）")


class Command(BaseCommand):
    help = "发送此刻到期的提醒（同一提醒对同一人只发一次）；--dry-run 只列出将发送的提醒。"

    def add_arguments(self, parser):
        parser.add_argument("--at", help="按这一时刻计算（北京时间，如 2026-12-03 09:00）；默认现在")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不发送、不保存")

    def handle(self, *args, at: str | None, dry_run: bool, **options):
        moment = parse_moment(at) if at else timezone.now()
        translation.activate("zh-hans")
        outcome = notices_generate(at=moment, dry_run=dry_run)
        for notice in outcome.notices:
            words = phrase(notice.kind, notice.phase, notice.params, sender=str(notice.sender or ""), note=notice.note)
            self.stdout.write(f"{notice.recipient.username}\t{notice.get_kind_display()}\t{words.title}")
        if dry_run:
            self.stdout.write(f"将发送 {outcome.count} 条")
            return
        deliveries_send_due(now=moment)
        self.stdout.write(f"已发送 {outcome.count} 条")
