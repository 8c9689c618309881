"""A job's page (its state and progress, read from its row: right on any server) and its file once ready."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cunzhan.core.jobs import job_for_user_or_404, jobs_for_user, media_path


@login_required
def job_list(request):
    return render(request, "core/jobs.html", {"jobs": jobs_for_user(request.user)[:50]})


@login_required
def job_detail(request, pk: int):
    job = job_for_user_or_404(request.user, pk)
    template = "core/_job.html" if request.htmx else "core/job.html"
    return render(request, template, {"job": job, "cleared": _cleared(job)})


def _cleared(job) -> int | None:
    """After how many days the job's file was removed by the daily clean-up (core.jobs.jobs_prune), if it was."""
    relative = job.result.get("file") if job.state == "done" else None
    return settings.JOB_FILES_DAYS if relative and not media_path(relative).exists() else None


@login_required
def job_download(request, pk: int):
    job = job_for_user_or_404(request.user, pk)
    relative = job.result.get("file") if job.state == "done" else None
    if not relative:
        raise Http404(_("文件尚未生成。"))
    path = media_path(relative)
    if not path.exists():  # removed by the daily clean-up: the job's page says so (410 Gone)
        return render(request, "core/job.html", {"job": job, "cleared": settings.JOB_FILES_DAYS}, status=410)
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result.get("name") or path.name)
