"""The job engine: long work as rows of :class:`~cunzhan.core.models.Job`, driven by Huey.

Huey hands a worker nothing but a job's number (:mod:`cunzhan.core.tasks`). Everything else is the row:

* **Claim.** A worker takes a job with one conditional UPDATE (queued → running, attempts + 1, a lease);
  two workers handed the same number (a message sent twice) cannot both take it.
* **Lease.** While the work runs, a thread of the worker renews the lease every third of
  ``JOB_LEASE_SECONDS`` and writes the progress the work reports, so any server's page shows it.
  A worker killed mid-job (SIGKILL, a lost machine) renews nothing: once its lease has passed, the sweeper
  (every minute, and whenever a worker starts) puts the job back in the queue, up to its attempts.
  Huey cannot do this alone: its SQLite and Redis queues take a message off the queue when a worker
  picks it up, so a worker killed then loses it.
* **Finish.** The work's writes are its own transaction (an import is one); a job is marked done only by
  the attempt that holds it. A job must be idempotent (an import of a file already imported changes
  nothing; an export writes its file again): a worker killed between the work's commit and the mark
  leaves the job to run again, never half done.

Apps register their kinds of work with :func:`handler` (in their ``jobs.py``, imported by their
AppConfig) and start jobs with :func:`job_enqueue`; the core knows no app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.models import Job, JobState

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # settings.AUTH_USER_MODEL: accounts.User, a layer above

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """The work could not be done now (the upward platform did not answer): try again after ``delay``."""

    def __init__(self, message: str, *, delay: timedelta | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class Refused(Exception):
    """The work cannot be done with what it was given (a file with errors): failed, never retried.
    ``result`` is kept on the job for the page to show (the errors)."""

    def __init__(self, message: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result or {}


Handler = Callable[[Job, "Progress"], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def lease() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def job_enqueue(
    *,
    kind: str,
    params: dict[str, Any],
    acting_user: User,
    county_code: str = "",
    max_attempts: int | None = None,
    message: str = "",
) -> Job:
    """A job for the workers, handed to the queue once the caller's transaction commits."""
    if kind not in HANDLERS:
        raise LookupError(f"no job handler for {kind!r}")
    now = timezone.now()
    job = Job.objects.create(
        kind=kind,
        params=params,
        created_by=acting_user,
        county_code=county_code,
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
        queued_at=now,
        created_at=now,
        message=message,
    )
    transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(pk: int, *, delay: timedelta | None = None) -> None:
    """Hand a job's number to the queue (Huey); the job may already be taken: the claim decides."""
    from cunzhan.core.tasks import run_job

    if delay:
        run_job.schedule((pk,), delay=delay.total_seconds())
    else:
        run_job(pk)


class Progress:
    """What the work reports (phase, done, total, a message), written to the job's row by the lease's
    thread, which has its own database connection: the work's own transaction does not hide it."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, phase: str, done: int = 0, total: int = 0, message: str = "") -> None:
        with self._lock:
            self._values = {"phase": phase[:32], "progress_done": done, "progress_total": total}
            if message:
                self._values["message"] = message[:500]
        if self._thread is None:  # no lease thread (tests, an immediate queue): written at once
            self._write()

    def _write(self) -> bool:
        with self._lock:
            values, self._values = self._values, {}
        updated = Job.objects.filter(pk=self.job.pk, state=JobState.RUNNING, attempts=self.job.attempts).update(
            lease_until=timezone.now() + lease(), **values
        )
        return bool(updated)

    def start(self) -> None:
        if not settings.JOB_HEARTBEAT:
            return
        self._thread = threading.Thread(target=self._beat, name=f"job-{self.job.pk}-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=settings.JOB_LEASE_SECONDS)
            self._thread = None
        if self._values:
            self._write()

    def _beat(self) -> None:
        interval = max(settings.JOB_LEASE_SECONDS / 3, 0.2)
        try:
            while not self._stop.wait(interval):
                try:
                    self._write()
                except Exception:  # SQLite busy while the work writes: the next beat tries again
                    logger.warning("job %s: lease not renewed", self.job.pk, exc_info=True)
        finally:
            connections.close_all()


def _claim(pk: int, now: datetime) -> Job | None:
    ready = Q(not_before__isnull=True) | Q(not_before__lte=now)
    claimed = Job.objects.filter(ready, pk=pk, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        attempts=F("attempts") + 1,
        lease_until=now + lease(),
        started_at=now,
        message="",
    )
    return Job.objects.get(pk=pk) if claimed else None


def _settle(job: Job, **values: Any) -> bool:
    """Record the attempt's outcome, if the attempt still holds the job (a sweeper may have given it to
    another after its lease passed)."""
    values.setdefault("lease_until", None)
    held = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)
    if held.update(**values):
        return True
    logger.warning("job %s attempt %s lost its lease; its outcome is left to the next attempt", job.pk, job.attempts)
    return False


def job_run(pk: int) -> None:
    """Run a job if it is there to be taken (what the Huey task calls)."""
    now = timezone.now()
    job = _claim(pk, now)
    if job is None:
        return
    work = HANDLERS.get(job.kind)
    progress = Progress(job)
    progress.start()
    try:
        if work is None:
            raise Refused(_("未知的任务类别：%(kind)s") % {"kind": job.kind})
        result = work(job, progress) or {}
    except Refused as exc:
        progress.stop()
        _settle(job, state=JobState.FAILED, message=str(exc)[:500], result=exc.result, finished_at=timezone.now())
    except Exception as exc:
        progress.stop()
        delay = exc.delay if isinstance(exc, RetryLater) else None
        if not isinstance(exc, RetryLater):
            logger.exception("job %s (%s) attempt %s failed", job.pk, job.kind, job.attempts)
        text = str(exc)[:400] or type(exc).__name__
        if job.attempts >= job.max_attempts:
            message = _("已尝试 %(n)d 次，失败：%(error)s") % {"n": job.attempts, "error": text}
            _settle(job, state=JobState.FAILED, message=message[:500], finished_at=timezone.now())
            return
        delay = delay or timedelta(seconds=settings.JOB_RETRY_SECONDS * 2 ** (job.attempts - 1))
        message = _("第 %(n)d 次失败，稍后重试：%(error)s") % {"n": job.attempts, "error": text}
        if _settle(
            job,
            state=JobState.QUEUED,
            not_before=timezone.now() + delay,
            queued_at=timezone.now(),
            message=message[:500],
        ):
            transaction.on_commit(lambda: dispatch(job.pk, delay=delay))
    else:
        progress.stop()
        _settle(job, state=JobState.DONE, result=result, finished_at=timezone.now(), message="")
    finally:
        progress.stop()


def jobs_sweep(*, now: datetime | None = None) -> int:
    """Put back the jobs whose worker died (lease passed) and hand again those the queue lost (queued
    for a while, ready, never taken). Runs every minute and when a worker starts; returns how many."""
    now = now or timezone.now()
    handed = 0
    for job in Job.objects.filter(state=JobState.RUNNING, lease_until__lt=now):
        stale = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts, lease_until__lt=now)
        if job.attempts >= job.max_attempts:
            message = _("工作进程中断，已尝试 %(n)d 次，不再重试。") % {"n": job.attempts}
            stale.update(state=JobState.FAILED, lease_until=None, finished_at=now, message=message)
            continue
        message = _("工作进程中断（第 %(n)d 次），已重新排队。") % {"n": job.attempts}
        if stale.update(state=JobState.QUEUED, lease_until=None, not_before=None, queued_at=now, message=message):
            dispatch(job.pk)
            handed += 1
    lost = Job.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now - timedelta(minutes=1)),
        state=JobState.QUEUED,
        queued_at__lt=now - timedelta(minutes=2),
    )
    for pk in lost.values_list("pk", flat=True):
        Job.objects.filter(pk=pk, state=JobState.QUEUED).update(queued_at=now)
        dispatch(pk)
        handed += 1
    return handed


def jobs_prune(*, now: datetime | None = None) -> int:
    """Remove the files of jobs finished more than ``JOB_FILES_DAYS`` days ago: the uploads they read and
    the exports they wrote (a download asked for later says the file was cleared). The job rows stay, as
    the record of who did what. Runs daily; returns how many files were removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.JOB_FILES_DAYS)
    removed = 0
    finished = Job.objects.filter(state__in=[JobState.DONE, JobState.FAILED], finished_at__lt=cutoff)
    for params, result in finished.values_list("params", "result").iterator():
        for relative in {(params or {}).get("file"), (result or {}).get("file")}:
            if not isinstance(relative, str) or not relative:
                continue
            try:
                path = media_path(relative)
            except ValueError:  # never outside MEDIA_ROOT
                continue
            if path.is_file():
                path.unlink()
                removed += 1
    return removed


# -- reads ------------------------------------------------------------------------------------------


def jobs_for_user(user: Any) -> QuerySet[Job]:
    """A user's own jobs (the administrator's: everyone's)."""
    jobs = Job.objects.select_related("created_by")
    return jobs if user.scope.role == "admin" else jobs.filter(created_by=user)


def job_for_user_or_404(user: Any, pk: int) -> Job:
    """One of the user's jobs; anyone else's is not found (404), as rows outside a scope are."""
    job = jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise Http404(_("未找到这个后台任务。"))
    return job


# -- files: uploads handed to a job, and what a job writes for download ---------------------------------


def job_dir(name: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "jobs" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to MEDIA_ROOT
    name: str  # the name the user gave or will download it as


def store_upload(upload: Any, *, folder: str = "uploads") -> StoredFile:
    """An uploaded file saved where every worker reads it (MEDIA_ROOT is shared, docs/deployment.md)."""
    import uuid

    suffix = Path(upload.name).suffix.lower()
    target = job_dir(folder) / f"{uuid.uuid4().hex}{suffix}"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return StoredFile(str(target.relative_to(settings.MEDIA_ROOT)), upload.name)


def media_relative(path: Path) -> str:
    """A file under MEDIA_ROOT as a job's result names it."""
    return str(path.resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()))


def media_path(relative: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(relative)
    return path
