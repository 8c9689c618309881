"""cunzhan notices --as USER [--json] [--unread]: a user's notices, for scripts and the checks."""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from cunzhan.accounts.models import User
from cunzhan.notices.selectors import notices_for_user, unread_count
from cunzhan.notices.wording import phrase


class Command(BaseCommand):
    help = "列出某个账号的通知（未读在前）；--json 以 JSON 输出。"

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="账号")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
        parser.add_argument("--unread", action="store_true", help="只列未读")
        parser.add_argument("--kind", default="", help="只列这一类（如 report_due、report_chase）")

    def handle(self, *args, username: str, json: bool, unread: bool, kind: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用")
        translation.activate("zh-hans")
        rows = []
        for notice in notices_for_user(user, kind=kind, unread=unread):
            words = phrase(notice.kind, notice.phase, notice.params, sender=str(notice.sender or ""), note=notice.note)
            rows.append(
                {
                    "id": notice.pk,
                    "kind": notice.kind,
                    "phase": notice.phase,
                    "title": words.title,
                    "body": words.body,
                    "action": words.action,
                    "link": notice.link,
                    "created_at": timezone.localtime(notice.created_at).isoformat(),
                    "read": notice.read_at is not None,
                }
            )
        if json:
            self.stdout.write(_dumps({"user": username, "unread": unread_count(user), "notices": rows}))
            return
        for row in rows:
            mark = " " if row["read"] else "●"
            self.stdout.write(f"{mark} {row['created_at'][:16]}  {row['title']}  {row['link']}")
        self.stdout.write(f"共 {len(rows)} 条，未读 {unread_count(user)} 条")


def _dumps(data: dict) -> str:
    return jsonlib.dumps(data, ensure_ascii=False, indent=2)
