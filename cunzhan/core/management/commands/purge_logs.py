from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import ProgrammingError, transaction
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "删除早于保留期的操作日志和登录日志（保留期不得少于 180 天）。"
        "PostgreSQL 上须以数据表的属主角色运行：应用的运行角色不能删除日志（docs/deployment.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS, help="保留天数，至少 180")

    def handle(self, *args, days: int, **options):
        if days < settings.AUDIT_RETENTION_DAYS:
            raise CommandError(f"日志须至少保留 {settings.AUDIT_RETENTION_DAYS} 天，不能设为 {days} 天。")
        cutoff = timezone.now() - timedelta(days=days)
        try:
            with transaction.atomic():
                ops, _ = LogEntry.objects.filter(timestamp__lt=cutoff).delete()
                logins, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
                failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
        except ProgrammingError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "42501":  # insufficient_privilege
                raise
            raise CommandError(
                "当前数据库角色无权删除日志：purge-logs 须以数据表的属主角色运行（docs/deployment.md）。"
            ) from exc
        self.stdout.write(f"已删除 {cutoff:%Y-%m-%d} 之前的操作日志 {ops} 条、登录日志 {logins + failures} 条。")
