"""The four station ledgers (台账) and the import batches that fill them.

Every entry carries its station's county code (the future distribution key: every unique key
includes it), when the transaction happened (``occurred_on``), when it was recorded (``recorded_at``, rated
for timeliness), who recorded it and, for imported rows, the batch. ``row_key`` is the entry's
natural key within its county: re-importing a row whose key exists adds nothing. On PostgreSQL the
tables are partitioned by month (``partitions.py``).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhan.core.privacy import validate_id_number, validate_mobile

AMOUNT = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 3, "validators": [MinValueValidator(Decimal("0.001"))]}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Kind(models.TextChoices):
    PURCHASE = "purchase", _("代购")
    SALE = "sale", _("代销")
    PARCEL = "parcel", _("快递收发")
    SERVICE = "service", _("便民服务")


class ImportBatch(models.Model):
    """One imported file. It is written in the same transaction as its rows, so a batch exists
    only for an import that committed: a killed import leaves neither rows nor a batch."""

    kind = models.CharField(_("台账"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    digest = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增行数"), default=0)
    rows_skipped = models.PositiveIntegerField(_("跳过行数（已存在）"), default=0)
    # the region shared by all stations of the file (for scoping); the station when there is one
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class LedgerEntry(models.Model):
    # No database foreign-key constraints on the ledger rows: a bulk import checks its stations
    # itself, and a per-row referential trigger would cost more than reading the file (the rows
    # are also headed for county partitions, where such constraints do not hold). Django still
    # enforces PROTECT / SET_NULL when a station, batch or user is deleted.
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("服务站"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    county_code = models.CharField(_("县级区划代码"), max_length=6, editable=False)
    occurred_on = models.DateField(_("日期"))
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # one index less to maintain during a bulk load; batches are rarely looked up
        editable=False,
    )
    # 32 hex digits: a 128-bit hash of the row's natural key (random for an entry made by hand)
    row_key = models.CharField(_("行键"), max_length=32, editable=False)
    # bumped by every correction: an editor hands back the version it loaded, and a save over
    # someone else's is refused (cunzhan.core.concurrency). A database default, so that a bulk
    # import's COPY, which names its columns, needs no change.
    version = models.PositiveIntegerField(_("版本"), db_default=1, editable=False)

    class Meta:
        abstract = True
        ordering = ["-occurred_on", "-id"]
        # One index serves both the key and every per-station read: a row key is a hash that includes
        # the station and the date, so it is unique within them. The month is there because PostgreSQL
        # partitions by it, the county because a later distribution is by county (docs/scaling.md).
        # Maintaining one index instead of two makes a bulk load a third cheaper for the database.
        constraints = [
            models.UniqueConstraint(fields=["station", "occurred_on", "row_key", "county_code"], name="%(class)s_key"),
        ]
        # A county's entries by day: a county office's list (newest first) and counts read it instead of
        # every station's rows, and a province's pages are shown county by county. Few distinct keys, so
        # PostgreSQL stores it deduplicated (a few bytes a row).
        indexes = [models.Index(fields=["county_code", "occurred_on"], name="%(class)s_county_day")]

    @property
    def source(self) -> str:
        return "manual" if self.batch_id is None else f"import:{self.batch_id}"

    @staticmethod
    def manual_key() -> str:
        return uuid.uuid4().hex


class ProxyPurchase(LedgerEntry):
    """代购: the keeper buys online for a villager."""

    product_name = models.CharField(_("商品名称"), max_length=128)
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    amount = models.DecimalField(_("金额（元）"), validators=NOT_NEGATIVE, **AMOUNT)
    platform = models.CharField(_("网店/平台"), max_length=64)
    customer_name = models.CharField(_("顾客姓名"), max_length=32, blank=True)
    customer_phone = models.CharField(_("顾客手机号"), max_length=11, blank=True, validators=[validate_mobile])
    customer_id_number = models.CharField(_("顾客身份证号"), max_length=18, blank=True, validators=[validate_id_number])

    class Meta(LedgerEntry.Meta):
        verbose_name = _("代购台账")
        verbose_name_plural = _("代购台账")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.product_name} ¥{self.amount}"


class ProxySale(LedgerEntry):
    """代销: the keeper sells a household's products online or through the county centre."""

    product_name = models.CharField(_("商品名称"), max_length=128)
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    amount = models.DecimalField(_("金额（元）"), validators=NOT_NEGATIVE, **AMOUNT)
    platform = models.CharField(_("网店/平台"), max_length=64, blank=True)
    via_county_centre = models.BooleanField(_("经县公共服务中心/展销中心"), default=False)
    seller_household = models.CharField(_("卖方农户"), max_length=64)
    poor_household = models.BooleanField(_("贫困户"), default=False)
    # 农产品上行 (farm products going up to the city) vs 工业品下行; the county statistics split on it
    farm_product = models.BooleanField(_("农产品上行"), default=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("代销台账")
        verbose_name_plural = _("代销台账")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.product_name} ¥{self.amount}"


class Direction(models.TextChoices):
    IN = "in", _("收")
    OUT = "out", _("寄")


class Parcel(LedgerEntry):
    """快递收发: a parcel received for a villager (收) or sent by one (寄)."""

    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices, default=Direction.IN)
    carrier = models.CharField(_("快递公司"), max_length=32)
    tracking_no = models.CharField(_("运单号"), max_length=40)
    arrived_at = models.DateTimeField(_("到站/收寄时间"))
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("交付/取件时间"), null=True, blank=True)
    handover_list_no = models.CharField(_("交接单号"), max_length=32, blank=True)
    recipient_phone = models.CharField(_("收件人手机号"), max_length=11, blank=True, validators=[validate_mobile])

    class Meta(LedgerEntry.Meta):
        verbose_name = _("快递收发台账")
        verbose_name_plural = _("快递收发台账")
        # newest arrival first. The day leads because a station's parcels are indexed by day in every
        # monthly partition: the newest twenty are then read from the newest days, not sorted out of the
        # station's whole history. The day is the arrival's (Asia/Shanghai), so the order is the same.
        ordering = ["-occurred_on", "-arrived_at", "-id"]
        # A parcel's key is its carrier and tracking number, unique in the county whatever the station
        # or the day: it is looked up by itself, so it leads its own index.
        constraints = [
            models.UniqueConstraint(fields=["row_key", "county_code", "occurred_on"], name="%(class)s_row_key"),
        ]
        indexes = [
            *LedgerEntry.Meta.indexes,
            models.Index(fields=["station", "occurred_on"], name="%(class)s_st_date"),
            models.Index(
                fields=["station", "arrived_at"],
                name="parcel_pending",
                condition=models.Q(direction="in", handed_over_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_no}"


class ServiceKind(models.TextChoices):
    PAYMENT = "payment", _("缴费充值")
    CREDIT = "credit", _("信贷咨询")
    TICKET = "ticket", _("车票预订")
    MEDICAL = "medical", _("就诊预约")
    INFORMATION = "information", _("资讯")
    OTHER = "other", _("其他")


class ConvenienceService(LedgerEntry):
    """便民服务: bill payment, credit advice, ticket booking, appointments, information."""

    service_kind = models.CharField(_("服务类型"), max_length=16, choices=ServiceKind.choices)
    amount = models.DecimalField(_("金额（元）"), default=Decimal("0.00"), validators=NOT_NEGATIVE, **AMOUNT)
    customer_name = models.CharField(_("顾客姓名"), max_length=32, blank=True)
    customer_phone = models.CharField(_("顾客手机号"), max_length=11, blank=True, validators=[validate_mobile])
    note = models.CharField(_("说明"), max_length=128, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("便民服务台账")
        verbose_name_plural = _("便民服务台账")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_service_kind_display()}"


ENTRY_MODELS: tuple[type[LedgerEntry], ...] = (ProxyPurchase, ProxySale, Parcel, ConvenienceService)
MODEL_BY_KIND: dict[str, type[LedgerEntry]] = dict(zip(Kind.values, ENTRY_MODELS, strict=True))
KIND_BY_MODEL = {model: kind for kind, model in MODEL_BY_KIND.items()}


# -- the ledgers' monthly summary ------------------------------------------------------------------
# One row per station and month with activity: the boards, the statistics and the assessment read
# these few thousand rows instead of a year of ledger rows (a million for a large county).
# :mod:`cunzhan.ledgers.aggregates` keeps them current: before a county's figures are read, the
# ledger rows added since the last refresh (by id) and the entries corrected or deleted since then
# (from the operation log) mark their station-months stale, and only those are recounted. Data only;
# nothing here is edited by hand.

MONTH_AMOUNT = {"max_digits": 16, "decimal_places": 2, "default": 0}


class StationMonth(models.Model):
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    county_code = models.CharField(_("县级区划代码"), max_length=6)
    month = models.DateField(_("月份"))  # the first day of the month
    purchase_orders = models.PositiveIntegerField(_("代购单数"), default=0)
    purchase_amount = models.DecimalField(_("代购金额"), **MONTH_AMOUNT)
    sale_orders = models.PositiveIntegerField(_("代销单数"), default=0)
    sale_amount = models.DecimalField(_("代销金额"), **MONTH_AMOUNT)
    farm_orders = models.PositiveIntegerField(_("农产品上行单数"), default=0)
    farm_amount = models.DecimalField(_("农产品上行金额"), **MONTH_AMOUNT)
    parcels_in = models.PositiveIntegerField(_("快递收件"), default=0)
    parcels_out = models.PositiveIntegerField(_("快递寄件"), default=0)
    services = models.PositiveIntegerField(_("便民服务次数"), default=0)
    services_amount = models.DecimalField(_("便民服务金额"), **MONTH_AMOUNT)

    class Meta:
        verbose_name = _("站点月度汇总")
        verbose_name_plural = _("站点月度汇总")
        constraints = [models.UniqueConstraint(fields=["station", "month"], name="station_month_unique")]
        indexes = [models.Index(fields=["county_code", "month"], name="station_month_county")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class AggregateState(models.Model):
    """How far a county's aggregates have read: the highest ledger ids and operation-log id seen."""

    county_code = models.CharField(_("县级区划代码"), max_length=6, primary_key=True)
    purchase_id = models.BigIntegerField(default=0)
    sale_id = models.BigIntegerField(default=0)
    parcel_id = models.BigIntegerField(default=0)
    service_id = models.BigIntegerField(default=0)
    log_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return self.county_code
