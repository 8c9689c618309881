"""Administrative regions: province → city → county → township → village.

Codes are the official statistical codes: 2, 4 and 6 digits (GB/T 2260) for province, city and
county, 9 for township and 12 for village. Each code starts with its parent's, so "everything in
this region" is a prefix match on the code, which is also the primary key.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县")
    TOWNSHIP = 4, _("乡镇")
    VILLAGE = 5, _("村")


CODE_LENGTHS = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items()}


def level_of(code: str) -> Level | None:
    """The level a code of this length denotes, or None for a malformed code."""
    if not code.isdigit():
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level is None or level == Level.PROVINCE:
        return None
    return code[: CODE_LENGTHS[Level(level - 1)]]


def township_of(code: str, name: str, parent_name: str | None) -> str:
    """The township a station's region lies in, by name: a village's parent, a township itself; a
    county-level station (the county's operations centre) lies in no township (empty)."""
    if len(code) > 9:
        return parent_name or ""
    if len(code) == 9:
        return name
    return ""


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def county_code(self) -> str | None:
        return self.code[:6] if self.level >= Level.COUNTY else None

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)

    def ancestors(self) -> list[Region]:
        """From the province down to the parent, in one query."""
        codes = [self.code[: CODE_LENGTHS[Level(lv)]] for lv in range(Level.PROVINCE, self.level)]
        return list(Region.objects.filter(code__in=codes).order_by("level"))

    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self] if r.name not in ("市辖区", "县"))
