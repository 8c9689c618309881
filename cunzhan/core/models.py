"""The core app's models: which assessment periods a county has published (and so frozen), and the jobs
of the job engine (:mod:`cunzhan.core.jobs`)."""

from __future__ import annotations

from django.conf import settings
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


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    """A piece of long work (a large import, a big export, a province's assessment, an upward
    transmission) as a row: its state, attempts and lease live here, in the database every worker
    shares, so its progress shows on any server and a worker that dies leaves it to be taken again
    (:mod:`cunzhan.core.jobs`). The task queue (Huey) only carries the job's number to a worker."""

    kind = models.CharField(_("类别"), max_length=64)
    params = models.JSONField(_("参数"), default=dict)
    state = models.CharField(_("状态"), max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试次数"), default=3)
    # a running job's worker renews this; once it has passed, the worker is taken for dead
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    # not to be started before (a retry's back-off)
    not_before = models.DateTimeField(_("最早开始"), null=True, blank=True)
    queued_at = models.DateTimeField(_("排队时间"))
    progress_done = models.PositiveIntegerField(_("已完成"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    phase = models.CharField(_("阶段"), max_length=32, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    # what the work produced: counts, a file to download (path under MEDIA_ROOT), where to look next
    result = models.JSONField(_("结果"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField(_("县级区划代码"), max_length=6, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "lease_until"], name="job_state_lease")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.state}"

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
