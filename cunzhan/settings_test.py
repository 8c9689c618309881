"""Settings for the test suite: the production settings with a test secret and plain HTTP."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from cunzhan.settings import *  # noqa: F403

# Hashing strength is not under test; a fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Boards are counted afresh on every view: tests record data and look at once. The reuse itself is
# tested with the setting turned on (dashboards/tests/test_board_cache.py).
DASHBOARD_CACHE_SECONDS = 0

# Pages fail on a method used without parentheses, and the test client sees what they rendered
# (cunzhan.site.templating)
TEMPLATES[0] = {  # noqa: F405
    **TEMPLATES[0],  # noqa: F405
    "BACKEND": "cunzhan.site.templating.InstrumentedJinja2",
    "OPTIONS": {**TEMPLATES[0]["OPTIONS"], "environment": "cunzhan.site.templating.CheckedEnvironment"},  # noqa: F405
}

# Jobs run where they are enqueued (Huey's immediate mode, in memory), once the test's transaction would
# commit; their progress is written by the work itself, not by a lease thread with a connection of its
# own (which the test's transaction would hide everything from). A real worker is started and killed in
# cunzhan/core/tests/test_job_worker.py.
HUEY = {**HUEY, "immediate": os.environ.get("HUEY_IMMEDIATE", "true") == "true"}  # noqa: F405
JOB_HEARTBEAT = not HUEY["immediate"]

# The replica alias is the test database again whatever the environment says (a test mirror), and reads
# go to the primary unless a test turns routing on (cunzhan/core/tests/test_replicas.py)
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_REPLICA_READS = False
