"""The reminders on Huey's schedule: every minute, what is due is made (once: each notice's key is
unique) and the deliveries whose moment has come are sent. A lock keeps one run at a time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from cunzhan.notices.services import deliveries_send_due, notices_generate


@db_periodic_task(crontab(minute="*"))
@lock_task("cunzhan-notices-remind")
def remind() -> None:
    notices_generate()


@db_periodic_task(crontab(minute="*"))
@lock_task("cunzhan-notices-deliver")
def deliver() -> None:
    deliveries_send_due()
