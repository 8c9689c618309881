"""Notices (站内信) and reminders: what a user is told, how it went out on each channel, and each
county's reminder parameters. Data and invariants only; every write goes through
:mod:`cunzhan.notices.services`.

A notice is made once: its key (recipient, kind, subject, phase) is unique, and the scheduler inserts
with conflicts ignored, so running it every minute, twice at once or again after a restart tells
nobody anything twice. The subject names the deadline (a report period and station, a rectification,
a fault …), the phase which moment of it (``before-3``, ``late``, ``missed`` …).

Its words are not stored: ``kind`` and ``params`` are, and :mod:`cunzhan.notices.wording` phrases
them in the reader's language when shown or sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    REPORT_DUE = "report_due", _("报表提醒")
    REPORT_LATE = "report_late", _("逾期未报")
    REPORT_MISSED = "report_missed", _("漏报")
    REPORT_CHASE = "report_chase", _("催报")
    REPORT_DIGEST = "report_digest", _("未报汇总")
    RECTIFICATION = "rectification", _("整改期限")
    PUBLICITY = "publicity", _("公示期满")
    FAULT = "fault", _("报修超期")
    PARCELS = "parcels", _("快递积压")
    GUIDANCE = "guidance", _("指导走访")
    ZOMBIE = "zombie", _("僵尸站点")
    DELIVERY_FAILED = "delivery_failed", _("提醒未送达")


class Notice(models.Model):
    """One thing one user is told, once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=NoticeKind.choices)
    subject = models.CharField(_("事项"), max_length=80)
    phase = models.CharField(_("阶段"), max_length=24)
    # what the wording needs (period, dates, counts, names), never a personal number
    params = models.JSONField(_("内容参数"), default=dict)
    # the page of the record concerned, and where its button leads
    link = models.CharField(_("链接"), max_length=255, blank=True)
    county_code = models.CharField(_("县级区划代码"), max_length=6)
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    # 催报: who chased, with what note
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("附言"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # the run of the scheduler (or the 催报) that made it: what that run may call its own
    run = models.CharField(max_length=32, editable=False, db_index=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "subject", "phase"], name="notice_once"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.subject} {self.phase}"


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信群")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")
    LOGGED = "logged", _("仅记录")


class Delivery(models.Model):
    """A notice sent outside the app on one channel: the delivery log. The address is kept masked; the
    channel reads the real number or e-mail from the recipient at the moment it sends."""

    notice = models.ForeignKey(Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    address = models.CharField(_("地址（已脱敏）"), max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.channel} {self.status}"


def default_offsets() -> list[int]:
    return [3, 1]


class ReminderSettings(models.Model):
    """A county's reminders: how many days before each deadline, from what hour of the day, and on
    which channels besides the notice list."""

    county = models.OneToOneField(
        "regions.Region", verbose_name=_("县"), on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    # days before a deadline, e.g. [3, 1]: the 2nd and the 4th for a report due the 5th
    offsets = models.JSONField(_("提前提醒天数"), default=default_offsets)
    send_hour = models.PositiveSmallIntegerField(
        _("每天提醒时刻（时）"), default=9, validators=[MinValueValidator(6), MaxValueValidator(21)]
    )
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=True)
    wecom = models.BooleanField(_("企业微信群"), default=False)
    # the county's group robot (企业微信群机器人): digests for the office and the operating units
    wecom_webhook = models.URLField(_("企业微信群机器人地址"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("县级提醒设置")
        verbose_name_plural = _("县级提醒设置")

    def __str__(self) -> str:
        return str(self.county_id)

    @classmethod
    def for_county(cls, county_code: str) -> ReminderSettings:
        """The county's saved settings, or the defaults (unsaved) when it has none."""
        return cls.objects.filter(county_id=county_code[:6]).first() or cls(county_id=county_code[:6])
