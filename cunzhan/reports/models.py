"""Reports (报表): weekly, monthly and ad-hoc reports, their frozen versions, the county's deadline
parameters, and the transmission log of upward exports. Data and invariants only; every write goes
through :mod:`cunzhan.reports.services`.

A report's status is never stored: it is computed from ``due_at``, ``grace_end``,
``first_submitted_at`` and the moment asked about (:mod:`cunzhan.reports.status`). Monthly and
weekly report rows are created lazily (when a keeper opens, corrects or submits one); a station
that owes a report and has no row at all after the grace end has missed it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MONTHLY = "monthly", _("月报")
    WEEKLY = "weekly", _("周报")
    ADHOC = "adhoc", _("其它相关报表")


class ReportSettings(models.Model):
    """A county's reporting parameters (defaults: DOMAIN.md "Reports")."""

    county = models.OneToOneField(
        "regions.Region",
        verbose_name=_("县"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="report_settings",
    )
    monthly_due_day = models.PositiveSmallIntegerField(
        _("月报截止日（次月几日）"), default=5, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    monthly_grace_months = models.PositiveSmallIntegerField(
        _("月报宽限（至次后第几个月末）"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    weekly_enabled = models.BooleanField(_("启用周报"), default=True)
    weekly_due_days = models.PositiveSmallIntegerField(
        _("周报截止（周日后第几天）"), default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    weekly_grace_days = models.PositiveSmallIntegerField(
        _("周报宽限（周日后第几天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    adhoc_grace_days = models.PositiveSmallIntegerField(
        _("临时报表默认宽限（天）"), default=7, validators=[MaxValueValidator(60)]
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("县级报表参数")
        verbose_name_plural = _("县级报表参数")

    def __str__(self) -> str:
        return str(self.county_id)

    @classmethod
    def for_county(cls, county_code: str) -> ReportSettings:
        """The county's saved parameters, or the defaults (unsaved) when it has none."""
        return cls.objects.filter(county_id=county_code[:6]).first() or cls(county_id=county_code[:6])


class AdhocRequest(models.Model):
    """其它相关报表: a report the county office asks of a set of stations, with its own due time."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("报表名称"), max_length=128)
    description = models.TextField(_("填报要求"), blank=True)
    # when given, each station's report is drafted from its ledgers for this period
    period_start = models.DateField(_("统计起始日"), null=True, blank=True)
    period_end = models.DateField(_("统计截止日"), null=True, blank=True)
    due_at = models.DateTimeField(_("截止时间"))
    grace_end = models.DateTimeField(_("宽限截止（之后未报为漏报）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"))

    class Meta:
        verbose_name = _("临时报表要求")
        verbose_name_plural = _("临时报表要求")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Report(models.Model):
    """One station's report for one period (or one ad-hoc request)."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="reports"
    )
    county_code = models.CharField(_("县级区划代码"), max_length=6, editable=False)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    request = models.ForeignKey(
        AdhocRequest,
        verbose_name=_("临时报表要求"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    # deadlines as they stood when the row was created (county parameters, or the request's)
    due_at = models.DateTimeField(_("截止时间"))
    grace_end = models.DateTimeField(_("宽限截止"))
    # the keeper's corrections not yet submitted: {line key: {"count", "quantity", "amount", "reason"}}
    pending_corrections = models.JSONField(_("待提交的更正"), default=dict, blank=True)
    # the first submission is what counts for lateness; later versions never move it
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    first_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首次提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveSmallIntegerField(_("当前版本"), default=0)
    # optimistic concurrency: moves on with every save — draft corrections too, which leave ``version``
    # (the frozen versions, 0 while unsubmitted) alone; a save made from an older revision is refused
    revision = models.PositiveIntegerField(_("修改次数"), default=0, editable=False)
    updated_at = models.DateTimeField(_("最近更新"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近更新人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表")
        ordering = ["-period_start", "station_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind", "period_start"],
                condition=models.Q(request__isnull=True),
                name="report_one_per_station_period",
            ),
            models.UniqueConstraint(
                fields=["station", "request"],
                condition=models.Q(request__isnull=False),
                name="report_one_per_station_request",
            ),
        ]
        indexes = [models.Index(fields=["county_code", "kind", "due_at"], name="report_county_due")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.kind} {self.period_start}"

    @property
    def is_submitted(self) -> bool:
        return self.first_submitted_at is not None


class ReportVersion(models.Model):
    """A submitted, frozen version. Version 1 is the draft the keeper confirmed at first submission;
    each correction afterwards is version n+1 with its reason."""

    report = models.ForeignKey(Report, verbose_name=_("报表"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    data = models.JSONField(_("报表内容"))
    reason = models.TextField(_("更正理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("报表版本")
        verbose_name_plural = _("报表版本")
        ordering = ["report_id", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class UpwardKind(models.TextChoices):
    REGISTER = "register", _("认定站点名录")
    STATISTICS = "statistics", _("月度统计")


class TransmissionStatus(models.TextChoices):
    PREPARED = "prepared", _("已生成")
    SENT = "sent", _("已报送")
    FAILED = "failed", _("报送失败")


class UpwardTransmission(models.Model):
    """One upward export to the city / province platform: the payload is kept as sent."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=UpwardKind.choices)
    period = models.CharField(_("统计月份"), max_length=7, blank=True)  # "YYYY-MM", blank for the register
    format_version = models.CharField(_("格式版本"), max_length=32)
    payload = models.JSONField(_("报送内容"))
    status = models.CharField(
        _("状态"), max_length=16, choices=TransmissionStatus.choices, default=TransmissionStatus.PREPARED
    )
    attempts = models.PositiveSmallIntegerField(_("报送次数"), default=0)
    endpoint = models.CharField(_("报送地址"), max_length=255, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"))
    sent_at = models.DateTimeField(_("报送成功时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上报记录")
        verbose_name_plural = _("上报记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.kind} {self.period}"
