from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    COUNTY_CENTRE = "county", _("县级运营中心")
    TOWNSHIP = "township", _("乡镇服务站")
    VILLAGE = "village", _("村级服务点")


class Status(models.TextChoices):
    APPLIED = "applied", _("申请")
    PRELIMINARY_REVIEW = "preliminary_review", _("运营单位初审")
    COUNTY_REVIEW = "county_review", _("县级审核")
    PUBLICITY = "publicity", _("公示")
    CERTIFIED = "certified", _("认定授牌")
    INCUBATION = "incubation", _("培育期")
    OPERATING = "operating", _("运营")
    RECTIFYING = "rectifying", _("整改")
    REVOKED = "revoked", _("撤销")
    CLOSED = "closed", _("关停")


class OperatingUnit(models.Model):
    """运营单位 / 承办企业: runs the stations of one county."""

    name = models.CharField(_("名称"), max_length=128)
    county = models.ForeignKey("regions.Region", verbose_name=_("所在县"), on_delete=models.PROTECT)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("运营单位")
        verbose_name_plural = _("运营单位")
        ordering = ["county_id", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="operating_unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    """A service station; the registry and lifecycle grow in the stations issue."""

    code = models.CharField(_("站点编码"), max_length=32, unique=True)
    name = models.CharField(_("站点名称"), max_length=128)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT)
    county_code = models.CharField(_("县级区划代码"), max_length=6, db_index=True, editable=False)
    operating_unit = models.ForeignKey(
        OperatingUnit,
        verbose_name=_("运营单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.APPLIED)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # the newest ledger entry's recorded time; the ledgers keep it current, zombie detection reads it
    last_activity_at = models.DateTimeField(_("最近台账活动"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("服务站")
        verbose_name_plural = _("服务站")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
