"""What people decided about the order-integrity flags (刷单提示) beside items 7 and 8.

A flag itself is not stored: it is found again from the ledgers whenever it is shown
(:mod:`cunzhan.assessment.integrity`), so it always says what the records say now. What is stored is a
person's decision on one — confirmed or dismissed, with the reason, who and when — and, for a confirmed
one, the ledger rows it named then: those are what the assessment no longer counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FlagKind(models.TextChoices):
    BURST = "burst", _("集中登记")
    CUSTOMER = "customer", _("同一顾客重复")
    AMOUNT = "amount", _("同一金额重复")
    PERIOD_END = "period_end", _("期末突击")
    BACKDATED = "backdated", _("批量补登")
    VOLUME = "volume", _("单量异常")


class FlagLedger(models.TextChoices):
    PURCHASE = "purchase", _("代购")
    SALE = "sale", _("代销")


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("确认刷单")
    DISMISSED = "dismissed", _("排除")


class OrderFlag(models.Model):
    """A decision on one flag of one station in one half-year, identified by the flag's key."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="order_flags"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.CharField(_("考核期"), max_length=2)  # H1 | H2
    ledger = models.CharField(_("台账"), max_length=8, choices=FlagLedger.choices)
    kind = models.CharField(_("提示"), max_length=12, choices=FlagKind.choices)
    key = models.CharField(_("提示标识"), max_length=160)
    summary = models.TextField(_("提示内容"))  # the flag as it read when decided
    decision = models.CharField(_("结论"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("理由"))
    orders = models.PositiveIntegerField(_("所列订单数"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核实人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("核实时间"))

    class Meta:
        verbose_name = _("刷单提示核实")
        verbose_name_plural = _("刷单提示核实")
        constraints = [
            models.UniqueConstraint(fields=["station", "year", "half", "key"], name="order_flag_unique"),
        ]
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.station_id} {self.year}{self.half} {self.get_kind_display()} {self.get_decision_display()}"


class OrderFlagEntry(models.Model):
    """A ledger row a confirmed flag named: not counted for items 7 and 8 while the flag stays confirmed."""

    flag = models.ForeignKey(OrderFlag, on_delete=models.CASCADE, related_name="entries")
    station = models.ForeignKey("stations.Station", on_delete=models.PROTECT, related_name="+", db_index=False)
    ledger = models.CharField(max_length=8, choices=FlagLedger.choices)
    entry_id = models.BigIntegerField()  # ProxyPurchase / ProxySale id (no foreign key: partitioned tables)
    occurred_on = models.DateField()

    class Meta:
        verbose_name = _("刷单订单")
        verbose_name_plural = _("刷单订单")
        indexes = [models.Index(fields=["station", "occurred_on"], name="order_flag_entry_station_day")]

    def __str__(self) -> str:
        return f"{self.ledger}:{self.entry_id}"
