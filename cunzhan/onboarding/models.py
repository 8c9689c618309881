"""Past records a county brings when it starts on CunZhan (历史导入, DOMAIN.md "Migrated history"): each
import of a file, and the link from every record it created to it. Data and invariants only; every write
goes through :mod:`cunzhan.onboarding.services`.

The records themselves are the other apps' own (a report, an inspection, an attendance row, a
participation, a fault), made through their services, and count like any other. The link is generic (a
content type and an object id), so that those apps' models carry nothing of it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class HistoryKind(models.TextChoices):
    REPORTS = "reports", _("报表报送")
    INSPECTIONS = "inspections", _("实地察看")
    ATTENDANCE = "attendance", _("培训出勤")
    PARTICIPATION = "participation", _("营销活动参与")
    FAULTS = "faults", _("设备报修")


class HistoryImport(models.Model):
    """One file of past records imported for a county: who, when, which file (its name and SHA-256),
    and how many rows it brought. The same file is recognised by its digest and not imported twice."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=16, choices=HistoryKind.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    digest = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    rows = models.PositiveIntegerField(_("数据行数"))
    created = models.PositiveIntegerField(_("导入行数"))
    skipped = models.PositiveIntegerField(_("已有而跳过的行数"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"))

    class Meta:
        verbose_name = _("历史数据导入")
        verbose_name_plural = _("历史数据导入")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "kind", "digest"], name="history_import_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.kind} {self.file_name}"


class ImportedRecord(models.Model):
    """A record made by a history import: what the pages mark 历史导入."""

    history_import = models.ForeignKey(
        HistoryImport, verbose_name=_("历史数据导入"), on_delete=models.PROTECT, related_name="records"
    )
    content_type = models.ForeignKey(ContentType, verbose_name=_("记录类型"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    record = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("历史导入的记录")
        verbose_name_plural = _("历史导入的记录")
        ordering = ["history_import_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="imported_record_once"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} ← {self.history_import_id}"
