"""Run ``cunzhan import-ledger`` in a process of its own that stops after writing every row,
inside the import's transaction, so that the test can kill it there.

    python -m cunzhan.ledgers.tests.killed_child [--setup] FILE

``--setup`` first migrates the (empty SQLite) database and creates the station and an admin.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    args = sys.argv[1:]
    setup = "--setup" in args
    path = next(a for a in args if a != "--setup")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhan.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    if setup:
        call_command("migrate", verbosity=0)
        from cunzhan.conftest import World

        World()
    from cunzhan.ledgers import importers

    def stall() -> None:
        print("ROWS WRITTEN, NOT COMMITTED", flush=True)
        time.sleep(300)

    importers._before_commit = stall
    call_command("import_ledger", "purchase", path, "--user", "admin", "--no-progress")


if __name__ == "__main__":
    main()
