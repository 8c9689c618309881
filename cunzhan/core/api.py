"""/api/v1/jobs: a job's state and progress (read from its row), and its file once ready."""

# No "from __future__ import annotations": django-ninja reads the parameter annotations at run time.
from datetime import datetime
from typing import Any

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from cunzhan.core.jobs import job_for_user_or_404, media_path

router = Router(tags=["后台任务"])


class JobStartedOut(Schema):
    """The answer to an operation that hands its work to the job engine (202 Accepted)."""

    job: int
    status_url: str = Field(..., description="进度：GET /api/v1/jobs/{job}")


class JobOut(Schema):
    id: int
    kind: str
    state: str
    attempts: int
    phase: str
    progress_done: int
    progress_total: int
    percent: int
    message: str
    result: dict[str, Any]
    download: str | None
    created_at: datetime
    finished_at: datetime | None


@router.get("/{int:pk}", response=JobOut, summary="后台任务的状态和进度")
def get_job(request, pk: int):
    job = job_for_user_or_404(request.user, pk)
    return {
        **{f: getattr(job, f) for f in ("kind", "state", "attempts", "phase", "progress_done", "progress_total")},
        "id": job.pk,
        "percent": job.percent,
        "message": job.message,
        "result": {k: v for k, v in job.result.items() if k != "file"},
        "download": f"/api/v1/jobs/{job.pk}/download" if job.state == "done" and job.result.get("file") else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.get("/{int:pk}/download", summary="下载后台任务生成的文件")
def download_job(request, pk: int):
    job = job_for_user_or_404(request.user, pk)
    relative = job.result.get("file") if job.state == "done" else None
    if not relative or not media_path(relative).exists():
        raise Http404(_("文件尚未生成或已清理。"))
    path = media_path(relative)
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result.get("name") or path.name)
