"""A job's page (its state and progress, read from its row: right on any server) and its file once ready."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from cunzhan.core.jobs import job_for_user_or_404, jobs_for_user, media_path


@login_required
def job_list(request):
    return render(request, "core/jobs.html", {"jobs": jobs_for_user(request.user)[:50]})


@login_required
def job_detail(request, pk: int):
    job = job_for_user_or_404(request.user, pk)
    template = "core/_job.html" if request.htmx else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk: int):
    job = job_for_user_or_404(request.user, pk)
    relative = job.result.get("file") if job.state == "done" else None
    if not relative:
        raise Http404("文件尚未生成。")
    path = media_path(relative)
    if not path.exists():
        raise Http404("文件已清理，请重新导出。")
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result.get("name") or path.name)
