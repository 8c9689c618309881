"""On-site inspections (实地察看) with their rated sub-items and photos, complaints and public
reports, and daily-supervision events. Data and invariants only; every write goes through
:mod:`cunzhan.supervision.services`."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhan.core.models import Half
from cunzhan.supervision.rating_items import KEYS


class Inspection(models.Model):
    """One visit to one station by a town supervisor or the county office, for a half-year period.
    Complete when every sub-item of :data:`rating_items.RATING_ITEMS` is rated."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    half = models.CharField(_("考核期"), max_length=2, choices=Half.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("察看人"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_at = models.DateTimeField(_("察看时间"), db_index=True)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    location = models.CharField(_("地点说明"), max_length=200, blank=True)
    note = models.TextField(_("总体意见"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("实地察看")
        verbose_name_plural = _("实地察看")
        ordering = ["-inspected_at", "-pk"]
        indexes = [models.Index(fields=["station", "year", "half"])]

    def __str__(self) -> str:
        return f"{self.station_id} {self.year}{self.half}"


class InspectionRating(models.Model):
    """One rated sub-item; a score below the maximum carries the reason (扣分说明)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("实地察看"), on_delete=models.CASCADE, related_name="ratings"
    )
    key = models.CharField(_("评分项"), max_length=32, choices=[(k, k) for k in KEYS])
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    comment = models.CharField(_("扣分说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("察看评分")
        verbose_name_plural = _("察看评分")
        ordering = ["inspection_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "key"], name="rating_once_per_item")]

    def __str__(self) -> str:
        return f"{self.key}={self.score}"


class PhotoKind(models.TextChoices):
    STOREFRONT = "storefront", _("门头")
    INTERIOR = "interior", _("店内")
    LEDGER = "ledger", _("台账")
    EQUIPMENT = "equipment", _("设备")


class InspectionPhoto(models.Model):
    """Typed photographic evidence; served only through a scoped view, never publicly."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("实地察看"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=PhotoKind.choices)
    file = models.FileField(_("照片"), upload_to="supervision/inspections/%Y/%m/", max_length=200)
    content_type = models.CharField(_("格式"), max_length=32)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("察看照片")
        verbose_name_plural = _("察看照片")
        ordering = ["inspection_id", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class VerificationStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    VERIFIED = "verified", _("属实")
    REJECTED = "rejected", _("不属实")


class ComplaintKind(models.TextChoices):
    PARCEL = "parcel", _("快递服务投诉")
    PUBLIC_REPORT = "public_report", _("群众举报")


class Complaint(models.Model):
    """A complaint about parcel service (item 9) or a public report (daily supervision).
    Only verified ones count."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="complaints"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=ComplaintKind.choices)
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    complainant = models.CharField(_("投诉/举报人"), max_length=64, blank=True)
    complainant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    description = models.TextField(_("内容"))
    status = models.CharField(
        _("核实结果"), max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.RECEIVED
    )
    evidence = models.TextField(_("核实情况/证据"), blank=True)
    evidence_photo = models.FileField(
        _("证据照片"), upload_to="supervision/evidence/%Y/%m/", max_length=200, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["station", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.station_id} {self.received_at:%Y-%m-%d}"


class EventKind(models.TextChoices):
    NOT_COOPERATING = "not_cooperating", _("不配合日常督查")
    POOR_PERFORMANCE = "poor_performance", _("督查发现工作较差")
    PUBLIC_REPORT = "public_report", _("群众举报（经核实）")
    LEADER_CRITICISM_OR_MEDIA = "leader_criticism_or_media", _("县级以上领导批评或媒体曝光")


# public reports are recorded and verified as complaints; the event list shows them from there
RECORDABLE_EVENT_KINDS = (
    EventKind.NOT_COOPERATING,
    EventKind.POOR_PERFORMANCE,
    EventKind.LEADER_CRITICISM_OR_MEDIA,
)


class SupervisionEvent(models.Model):
    """A daily-supervision finding (日常督查) against one station; counts once verified."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="supervision_events"
    )
    kind = models.CharField(_("类别"), max_length=32, choices=EventKind.choices)
    occurred_on = models.DateField(_("发生日期"), db_index=True)
    description = models.TextField(_("情况说明"))
    evidence = models.TextField(_("证据"), blank=True)
    evidence_photo = models.FileField(
        _("证据照片"), upload_to="supervision/evidence/%Y/%m/", max_length=200, blank=True
    )
    status = models.CharField(
        _("核实结果"), max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.RECEIVED
    )
    verification_note = models.TextField(_("核实意见"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("日常督查记录")
        verbose_name_plural = _("日常督查记录")
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["station", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.station_id} {self.occurred_on:%Y-%m-%d}"
