from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhan.core.money import format_money
from cunzhan.stations.models import Tier


class PeriodKind(models.TextChoices):
    H1 = "H1", _("上半年考核")
    H2 = "H2", _("年终考核")
    ANNUAL = "annual", _("年度综合考评")


class SchemeVersion(models.Model):
    """A version of an assessment scheme. The shipped default has no county; a county works on its copy.
    Once a published result uses a version it is locked: a change is a new version."""

    code = models.CharField(_("方案代码"), max_length=32)
    county = models.ForeignKey("regions.Region", verbose_name=_("县"), null=True, blank=True, on_delete=models.PROTECT)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=128)
    data = models.JSONField(_("方案内容"))
    based_on = models.ForeignKey("self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    note = models.CharField(_("采用说明"), max_length=500, blank=True)  # why the county adopted this version

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        constraints = [
            models.UniqueConstraint(fields=["code", "county", "version"], name="scheme_version_unique"),
            # the shipped default has no county, and NULLs are distinct in a plain unique constraint
            models.UniqueConstraint(
                fields=["code", "version"],
                condition=models.Q(county__isnull=True),
                name="scheme_default_version_unique",
            ),
        ]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("审核中")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被更正")


class Assessment(models.Model):
    """One county's assessment for one period. Published versions are frozen snapshots; a correction
    is a new version with a reason, and the public sees the newest published one."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.CharField(_("考核期"), max_length=8, choices=PeriodKind.choices)
    version = models.PositiveIntegerField(_("版本"), default=1)
    scheme = models.ForeignKey(SchemeVersion, verbose_name=_("考核方案"), on_delete=models.PROTECT)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    reason = models.TextField(_("更正理由"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("计算人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示截止日期"), null=True, blank=True)  # as the notice said then
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "period", "version"], name="assessment_version_unique")
        ]
        ordering = ["-year", "period", "-version"]

    def __str__(self) -> str:
        return f"{self.county.name} {self.year} {self.get_period_display()} v{self.version}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.DRAFT, Status.REVIEW)


class AssessmentResult(models.Model):
    """A station's result in one assessment version: every fact, item score and line kept as computed."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="assessment_results"
    )
    status = models.CharField(_("状态"), max_length=12)  # assessed | incubation | incomplete
    total = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True)
    grade = models.CharField(_("等级"), max_length=8, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True)
    h1 = models.DecimalField(_("上半年"), max_digits=6, decimal_places=2, null=True)
    h2 = models.DecimalField(_("年终"), max_digits=6, decimal_places=2, null=True)
    deductions = models.DecimalField(_("日常督查扣分"), max_digits=6, decimal_places=2, null=True)
    items = models.JSONField(_("分项"), default=list)  # [{no, name, max, score, lines: [{text, points, refs}]}]
    lines = models.JSONField(_("说明"), default=list)  # annual composite lines
    missing = models.JSONField(_("缺少的评分"), default=list)
    facts = models.JSONField(_("事实"), default=dict)
    # a correction's lines of what changed since the version before (cunzhan.assessment.changes)
    changes = models.JSONField(_("与上一版本相比"), default=list)
    subsidy = models.DecimalField(_("补贴金额"), max_digits=12, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [models.UniqueConstraint(fields=["assessment", "station"], name="assessment_result_unique")]
        ordering = [models.F("rank").asc(nulls_last=True), "station__code"]  # unranked (培育期) last

    def __str__(self) -> str:
        return f"{self.station} {self.total}"


class RectificationOutcome(models.TextChoices):
    OPEN = "open", _("整改中")
    PASSED = "passed", _("复查通过")
    FAILED = "failed", _("复查未通过（撤销）")


class Rectification(models.Model):
    """不合格 → rectification order with a deadline → re-inspection → passed, or revoked."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="rectifications"
    )
    result = models.ForeignKey(AssessmentResult, verbose_name=_("考核结果"), on_delete=models.PROTECT)
    requirements = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(_("下达时间"))
    outcome = models.CharField(
        _("结果"), max_length=8, choices=RectificationOutcome.choices, default=RectificationOutcome.OPEN
    )
    reinspected_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    reinspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("复查意见"), blank=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["-ordered_at"]

    def __str__(self) -> str:
        return f"{self.station} {self.get_outcome_display()}"


class PublicationSettings(models.Model):
    """How a county publishes its results: whether another account than the one that computed must
    review and publish them (四眼原则; on for a county unless it says otherwise), and what its public
    notice (公示) states: the publicity period, the supervision phone, the issuing office."""

    county = models.OneToOneField(
        "regions.Region", verbose_name=_("县"), on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    separate_reviewer = models.BooleanField(
        _("须由另一账号审核发布（四眼原则）"),
        default=True,
        help_text=_("开启后，计算考核结果的账号不能发布该结果，须由本县另一有发布权限的账号审核发布。"),
    )
    publicity_days = models.PositiveSmallIntegerField(
        _("公示期（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    supervision_phone = models.CharField(_("监督电话"), max_length=32, blank=True)
    issuing_office = models.CharField(
        _("发布单位"),
        max_length=64,
        blank=True,
        help_text=_("公示落款，如“佳县电子商务工作领导小组办公室”；不填则用县名加“电商办”。"),
    )

    class Meta:
        verbose_name = _("考核结果发布设置")
        verbose_name_plural = _("考核结果发布设置")

    def __str__(self) -> str:
        return str(self.county_id)


class SubsidyRule(models.Model):
    """Optional per county: subsidy by grade and tier, listed with published results."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT)
    grade = models.CharField(_("等级"), max_length=8)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices)
    amount = models.DecimalField(_("补贴金额（元）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("考核补贴标准")
        verbose_name_plural = _("考核补贴标准")
        constraints = [models.UniqueConstraint(fields=["county", "grade", "tier"], name="subsidy_rule_unique")]

    def __str__(self) -> str:
        return f"{self.grade} {self.get_tier_display()} {format_money(self.amount)}元"


# the decisions on the order-integrity flags (刷单提示), in a module of their own
from cunzhan.assessment.integrity_models import OrderFlag, OrderFlagEntry  # noqa: E402, F401
