"""The core app's one model: which assessment periods a county has published (and so frozen)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Half(models.TextChoices):
    H1 = "H1", _("上半年")
    H2 = "H2", _("下半年")


class PublishedPeriod(models.Model):
    """A county's half-year assessment once published: the period's evidence is frozen.

    The assessment creates these rows when it publishes; records dated inside the half-year can then
    only be changed by a correction with a reason (see :mod:`cunzhan.core.periods`).
    """

    county_code = models.CharField(_("县级区划代码"), max_length=6)
    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.CharField(_("半年"), max_length=2, choices=Half.choices)
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("已发布考核期")
        verbose_name_plural = _("已发布考核期")
        ordering = ["county_code", "-year", "-half"]
        constraints = [models.UniqueConstraint(fields=["county_code", "year", "half"], name="published_period_unique")]

    def __str__(self) -> str:
        return f"{self.county_code} {self.year}{self.half}"
