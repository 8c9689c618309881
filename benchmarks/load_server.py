"""The load test's server and load generator (``bench_load.py``): the WSGI server (granian or gunicorn) on
127.0.0.1 with production settings, in its own process group, and ``locust --headless`` against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-only-secret-key-0123456789-abcdefghijklmnop"  # noqa: S105


def database_url(url: str, conn_max_age: int | None) -> str:
    if conn_max_age is None:
        return url
    return f"{url}{'&' if '?' in url else '?'}conn_max_age={conn_max_age}&conn_health_checks=true"


def server_environment(url: str) -> dict[str, str]:
    """Production settings (DEBUG off) reachable over plain HTTP on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=os.environ.get("SECRET_KEY", SECRET),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        HSTS_SECONDS="0",
        DJANGO_SETTINGS_MODULE="cunzhan.settings",
    )
    return env


def start_server(args, url: str, log: Path) -> subprocess.Popen:
    if args.server == "granian":
        command = [
            str(Path(sys.executable).parent / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            str(args.threads),
            "--respawn-failed-workers",  # as in production (README)
            "--no-ws",
            "--log-level",
            "warning",
            "cunzhan.wsgi:application",
        ]
        return _start(command, url, log, args.port)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "cunzhan.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-tmp-dir",
        "/dev/shm",  # noqa: S108  gunicorn's heartbeat files, in memory (its documented advice)
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    return _start(command, url, log, args.port)


def _start(command: list[str], url: str, log: Path, port: int) -> subprocess.Popen:
    handle = log.open("w")
    server = subprocess.Popen(  # its own process group: stopped with everything it started
        command, cwd=ROOT, env=server_environment(url), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    raise SystemExit(f"the server did not answer /healthz within 60 s; see {log}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_locust(args, users_file: Path, result_file: Path) -> None:
    counts = {role: int(n) for role, n in (part.split("=") for part in args.users.split(","))}
    total = sum(counts.values())
    env = {
        **os.environ,
        "LOAD_USERS": str(users_file),
        "LOAD_RESULT": str(result_file),
        "LOAD_WRITE_RATE": str(args.write_rate),
        "LOAD_READ_RATE": str(args.read_rate),
        "LOAD_WARMUP": str(args.warmup),
        "LOAD_USER_COUNTS": json.dumps(counts),
    }
    # every user is started within the first third of the warm-up
    spawn_rate = max(1.0, total / max(1.0, args.warmup / 3))
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--users",
        str(total),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{args.warmup + args.run_time}s",
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print("locust:", " ".join(command[1:]))
    subprocess.run(command, cwd=ROOT, env=env, check=False)
