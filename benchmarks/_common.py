"""What every benchmark does first: its own PostgreSQL database, migrated, and Django set up."""

from __future__ import annotations

import os


def ensure_database(url: str) -> None:
    """Create the database named at the end of ``url`` unless it exists (data is kept between runs)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    """Production settings on that database, reachable by the test client over plain HTTP; migrated."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhan.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("SECURE_COOKIES", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(client, path: str, runs: int) -> tuple[float, float]:
    """Median and p95 in milliseconds of ``runs`` GETs of ``path`` after one warm-up (each must answer 200)."""
    import statistics
    import time

    response = client.get(path)  # warm-up
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
