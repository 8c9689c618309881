"""Processes of the killed-worker test (test_job_worker.py), each on the database and queue files the
environment names (DATABASE_URL, HUEY_FILE, MEDIA_ROOT, HUEY_IMMEDIATE=false):

    python -m cunzhan.core.tests.job_child setup FILE     migrate, the personas, a ledger import job for FILE
    python -m cunzhan.core.tests.job_child stalling       a real Huey worker (run_huey) whose import stops
                                                          after writing every row, inside its transaction
    python -m cunzhan.core.tests.job_child worker         a real Huey worker, as `cunzhan run_huey` runs it
"""

from __future__ import annotations

import os
import shutil
import sys
import time


def main() -> None:
    mode, *rest = sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhan.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    if mode == "setup":
        from django.conf import settings
        from django.db import transaction

        from cunzhan.accounts.models import User
        from cunzhan.conftest import World
        from cunzhan.core.jobs import job_dir, job_enqueue

        call_command("migrate", verbosity=0)
        World()
        target = job_dir("uploads") / "big.csv"
        shutil.copy(rest[0], target)
        with transaction.atomic():
            job = job_enqueue(
                kind="ledgers.import",
                params={"kind": "purchase", "file": str(target.relative_to(settings.MEDIA_ROOT)), "name": "big.csv"},
                acting_user=User.objects.get(username="keeper"),
            )
        print(f"JOB {job.pk}", flush=True)
        return
    if mode == "stalling":
        from cunzhan.ledgers import importers

        def stall() -> None:
            print("ROWS WRITTEN, NOT COMMITTED", flush=True)
            time.sleep(300)

        importers._before_commit = stall
    call_command("run_huey", "--workers", "1", "--worker-type", "thread", "--max-delay", "1")


if __name__ == "__main__":
    main()
