"""Maintained monthly aggregates of the ledgers, one row per station and month with activity.

The dashboards read these few thousand rows instead of a year of ledger rows (a million for a
large county). :mod:`cunzhan.dashboards.aggregates` keeps them current: before a county's figures
are read, the ledger rows added since the last refresh (by id) and the entries corrected or
deleted since then (from the operation log) mark their station-months stale, and only those are
recounted. Data only; nothing here is edited by hand.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

AMOUNT = {"max_digits": 16, "decimal_places": 2, "default": 0}


class StationMonth(models.Model):
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    county_code = models.CharField(_("县级区划代码"), max_length=6)
    month = models.DateField(_("月份"))  # the first day of the month
    purchase_orders = models.PositiveIntegerField(_("代购单数"), default=0)
    purchase_amount = models.DecimalField(_("代购金额"), **AMOUNT)
    sale_orders = models.PositiveIntegerField(_("代销单数"), default=0)
    sale_amount = models.DecimalField(_("代销金额"), **AMOUNT)
    farm_orders = models.PositiveIntegerField(_("农产品上行单数"), default=0)
    farm_amount = models.DecimalField(_("农产品上行金额"), **AMOUNT)
    parcels_in = models.PositiveIntegerField(_("快递收件"), default=0)
    parcels_out = models.PositiveIntegerField(_("快递寄件"), default=0)
    services = models.PositiveIntegerField(_("便民服务次数"), default=0)
    services_amount = models.DecimalField(_("便民服务金额"), **AMOUNT)

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
