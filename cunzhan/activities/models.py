"""Trainings with attendance, marketing activities with participation and data reports, and the
operating unit's guidance visits: the evidence for assessment items 4 and 5 and the Jiangxi
operator duties. Data and invariants only; every write goes through :mod:`services`."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Training(models.Model):
    """培训: organised by the county office or an operating unit, some stations required to attend."""

    county = models.ForeignKey("regions.Region", verbose_name=_("所在县"), on_delete=models.PROTECT, related_name="+")
    operating_unit = models.ForeignKey(
        "stations.OperatingUnit",
        verbose_name=_("承办运营单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    organiser = models.CharField(_("组织单位"), max_length=128)
    topic = models.CharField(_("培训主题"), max_length=200)
    start_date = models.DateField(_("培训日期"), db_index=True)
    days = models.DecimalField(
        _("天数"), max_digits=4, decimal_places=1, default=Decimal(1), validators=[MinValueValidator(Decimal("0.5"))]
    )
    is_pre_job = models.BooleanField(_("岗前培训"), default=False)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    required_stations = models.ManyToManyField(
        "stations.Station", verbose_name=_("应参训服务站"), blank=True, related_name="required_trainings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.start_date:%Y-%m-%d} {self.topic}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出勤")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("旷课")
    LATE = "late", _("迟到")
    EARLY_LEAVE = "early_leave", _("早退")


# statuses in which the person took part (counts towards trainee numbers and training days)
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EARLY_LEAVE)


class ExamResult(models.TextChoices):
    NONE = "", _("未测试")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Attendance(models.Model):
    """One person of one station at one training. The person is the keeper's account when there is
    one, else a name and phone, so 人次 and a person's training days are counted, never typed."""

    training = models.ForeignKey(Training, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendance")
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="training_attendance"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_attendance",
    )
    person_name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    status = models.CharField(_("出勤情况"), max_length=16, choices=AttendanceStatus.choices)
    test_result = models.CharField(_("测试结果"), max_length=8, choices=ExamResult.choices, blank=True, default="")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("培训出勤")
        verbose_name_plural = _("培训出勤")
        ordering = ["training_id", "station_id", "person_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "station", "person_name", "phone"], name="attendance_one_row_per_person"
            )
        ]
        indexes = [models.Index(fields=["station", "training"])]

    def __str__(self) -> str:
        return f"{self.person_name} @ {self.training_id}"


class MarketingActivity(models.Model):
    """营销活动 organised by the county's public service centre; required stations take part and
    each owes an activity data report by ``report_due_at``."""

    county = models.ForeignKey("regions.Region", verbose_name=_("所在县"), on_delete=models.PROTECT, related_name="+")
    operating_unit = models.ForeignKey(
        "stations.OperatingUnit",
        verbose_name=_("承办运营单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marketing_activities",
    )
    organiser = models.CharField(_("组织单位"), max_length=128)
    title = models.CharField(_("活动名称"), max_length=200)
    start_date = models.DateField(_("开始日期"), db_index=True)
    end_date = models.DateField(_("结束日期"))
    description = models.TextField(_("活动内容"), blank=True)
    report_due_at = models.DateTimeField(_("数据上报截止时间"))
    required_stations = models.ManyToManyField(
        "stations.Station", verbose_name=_("应参加服务站"), blank=True, related_name="required_activities"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("营销活动")
        verbose_name_plural = _("营销活动")
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):
    """Whether a station took part in an activity (全程参与) — recorded by the organiser."""

    activity = models.ForeignKey(
        MarketingActivity, verbose_name=_("营销活动"), on_delete=models.CASCADE, related_name="participation"
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="activity_participation"
    )
    participated = models.BooleanField(_("已参加"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("活动参与")
        verbose_name_plural = _("活动参与")
        ordering = ["activity_id", "station_id"]
        constraints = [models.UniqueConstraint(fields=["activity", "station"], name="participation_once_per_station")]

    def __str__(self) -> str:
        return f"{self.station_id} @ {self.activity_id}"


class ActivityReport(models.Model):
    """活动数据上报: a station's figures for one activity; late (after the due time) counts as missed."""

    activity = models.ForeignKey(
        MarketingActivity, verbose_name=_("营销活动"), on_delete=models.CASCADE, related_name="reports"
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="activity_reports"
    )
    orders = models.PositiveIntegerField(_("订单数"), default=0)
    sales_amount = models.DecimalField(
        _("销售额（元）"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("说明"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("上报时间"))

    class Meta:
        verbose_name = _("活动数据上报")
        verbose_name_plural = _("活动数据上报")
        ordering = ["activity_id", "station_id"]
        constraints = [models.UniqueConstraint(fields=["activity", "station"], name="activity_report_once")]

    def __str__(self) -> str:
        return f"{self.station_id} @ {self.activity_id}"


class GuidanceKind(models.TextChoices):
    VISIT = "visit", _("指导服务")
    TRAINING = "training", _("辅导培训")


class GuidanceVisit(models.Model):
    """The operating unit's guidance at one station (Jiangxi 第十一条2: ≥ 1 training a year,
    ≥ 1 guidance visit a quarter)."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="guidance_visits"
    )
    operating_unit = models.ForeignKey(
        "stations.OperatingUnit", verbose_name=_("运营单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=GuidanceKind.choices)
    visited_on = models.DateField(_("日期"), db_index=True)
    content = models.TextField(_("内容"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("运营指导")
        verbose_name_plural = _("运营指导")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.station_id} {self.visited_on:%Y-%m-%d}"
