"""The Huey tasks of the job engine (found by huey.contrib.djhuey in each installed app's ``tasks``):
run one job by its number, and sweep every minute (and when a worker starts) for jobs whose worker died
or whose message the queue lost, and daily remove the files of jobs finished long ago
(:mod:`cunzhan.core.jobs`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from cunzhan.core import jobs


@db_task()
def run_job(pk: int) -> None:
    jobs.job_run(pk)


@db_periodic_task(crontab(minute="*"))
def sweep_jobs() -> None:
    jobs.jobs_sweep()


@db_periodic_task(crontab(hour="3", minute="17"))
def prune_job_files() -> None:
    jobs.jobs_prune()


@on_startup()
def sweep_on_start() -> None:
    # a worker that starts (again) takes back at once the jobs a killed one left, once their lease passed
    from django.db import close_old_connections

    jobs.jobs_sweep()
    close_old_connections()
