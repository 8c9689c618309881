"""What every benchmark shares: its own PostgreSQL database, migrated, Django set up; a load-average guard
that turns a figure taken on a busy machine into NOISY; and timings with a true percentile.

A benchmark makes one :class:`LoadGuard` at its start (it prints the load average then) and asks it for
each target's verdict at the end (it prints the load average again): OK or MISSED on a quiet machine,
NOISY when either load average was above :data:`QUIET_LOAD`, whatever the figure.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence

# above this one-minute load average a figure is not a result (issue 26: "three quiet runs")
QUIET_LOAD = 2.0
# the fewest runs for which the 95th percentile is a measured value and not the largest one or an
# interpolation: with 100 runs the nearest-rank p95 is the 95th value, and 5 runs lie above it
P95_RUNS = 100


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


class LoadGuard:
    """The machine's load average at the start and at the end of a benchmark, and the verdicts it allows."""

    def __init__(self) -> None:
        self.before = os.getloadavg()
        self.after: tuple[float, float, float] | None = None
        print(f"load average before: {_loads(self.before)} on {os.cpu_count()} cores")

    def finish(self) -> None:
        """Read (once) and print the load average after the measurements."""
        if self.after is None:
            self.after = os.getloadavg()
            state = f"NOISY (above {QUIET_LOAD:g})" if self.noisy else "quiet"
            print(f"load average after: {_loads(self.after)} — {state}")

    @property
    def noisy(self) -> bool:
        after = self.after if self.after is not None else os.getloadavg()
        return max(self.before[0], after[0]) > QUIET_LOAD

    def verdict(self, met: bool) -> str:
        """NOISY when either one-minute load average was above QUIET_LOAD, else OK or MISSED."""
        self.finish()
        if self.noisy:
            return "NOISY"
        return "OK" if met else "MISSED"

    def target(self, text: str, met: bool) -> None:
        """Print one target line: ``target <text>: <verdict>``."""
        print(f"target {text}: {self.verdict(met)}")


def _loads(loads: Sequence[float]) -> str:
    return " ".join(f"{x:.2f}" for x in loads) + " (1/5/15 min)"


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``pct`` % of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def p95_label(runs: int) -> str:
    """The name of the percentile :func:`summary` reports for ``runs`` runs: p95 from P95_RUNS runs up;
    below that the largest value is not a p95 and is called max."""
    return "p95" if runs >= P95_RUNS else "max"


class Timings:
    """Milliseconds of repeated runs: median and p95 (nearest rank, from P95_RUNS runs), else median and max."""

    def __init__(self, values: Sequence[float]) -> None:
        self.values = sorted(values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def tail(self) -> float:
        """p95 from P95_RUNS runs up, else the largest value (named by :attr:`tail_name`)."""
        n = len(self.values)
        return percentile(self.values, 95) if n >= P95_RUNS else self.values[-1]

    @property
    def tail_name(self) -> str:
        return p95_label(len(self.values))

    def __str__(self) -> str:
        return f"runs={len(self.values)} median={self.median:7.1f} ms {self.tail_name}={self.tail:7.1f} ms"


def repeat(func: Callable[[], object], runs: int) -> Timings:
    """``runs`` calls of ``func`` (no warm-up), in milliseconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return Timings(times)


def timed(client, path: str, runs: int, *, warm: bool = True) -> Timings:
    """``runs`` GETs of ``path`` (each must answer 200), after one warm-up unless ``warm`` is False."""
    if warm:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    def get() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return repeat(get, runs)
