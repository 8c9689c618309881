"""Point-in-time recovery with pgBackRest (issue 25, docs/deployment.md "Backups and point-in-time recovery").

The cluster archives every WAL segment to the pgBackRest repository (``archive_command = pgbackrest
… archive-push %p`` on each node, scripts/ha-cluster); this module drives the two other halves:

* :func:`backup` — ``pgbackrest backup --type=full|incr|diff``: a full copy of the primary's data
  directory, or only the files changed since the last backup. With the archived WAL, any moment after
  the oldest kept full backup can be restored.
* :func:`restore_to_time` — ``pgbackrest restore --type=time`` into an empty scratch directory,
  started on its own port until recovery has replayed the WAL to that moment and promoted: a copy of
  the database as it was then, next to the live one, to read from or to copy rows back.

Where pgBackRest runs on the database's machine (as here, and on a small deployment) and its
configuration names no ``pg1-path``, the primary's data directory and port are asked from the primary
itself (``DATABASE_URL`` reaches it wherever it is after a failover). On a dedicated backup host whose
configuration lists every node (``pg1-host``, ``pg2-host``…), pgBackRest finds the primary itself.

pgBackRest must run as the owner of the data directory and the repository (``postgres``): run as
root, the commands switch to the owner of the configuration file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

from cunzhan.core.backup import BackupError

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
BACKUP_TYPES = ("full", "incr", "diff")


def _config() -> Path:
    if not settings.PGBACKREST_CONFIG:
        raise BackupError("未设置 PGBACKREST_CONFIG（pgBackRest 的配置文件，scripts/ha-cluster status 会显示）")
    path = Path(settings.PGBACKREST_CONFIG)
    if not path.is_file():
        raise BackupError(f"pgBackRest 配置文件 {path} 不存在")
    return path


def _as_owner(config: Path) -> list[str]:
    """Run as the configuration's owner when we are root (PostgreSQL's files are not root's)."""
    if os.geteuid() != 0:
        return []
    import pwd

    owner = pwd.getpwuid(config.stat().st_uid).pw_name
    return [] if owner == "root" else ["runuser", "-u", owner, "--"]


def _names_pg_path(config: Path) -> bool:
    return re.search(r"^\s*pg1-path\s*=", config.read_text(), re.MULTILINE) is not None


def _primary_location(using: str = "default") -> list[str]:
    """--pg1-path and --pg1-port of the primary the app is connected to (the same machine)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory'), inet_server_port(), pg_is_in_recovery()")
        data_directory, port, in_recovery = cursor.fetchone()
    if in_recovery:
        raise BackupError("DATABASE_URL 连到的是备库；请用 target_session_attrs=read-write 指向主库")
    return [f"--pg1-path={data_directory}", f"--pg1-port={port}"]


def pgbackrest(*args: str, location: list[str] | None = None, timeout: int = 3600) -> str:
    config = _config()
    command = [
        *_as_owner(config),
        "pgbackrest",
        f"--config={config}",
        f"--stanza={settings.PGBACKREST_STANZA}",
        *(location or []),
        *args,
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError("找不到 pgbackrest，请安装（apt-get install pgbackrest）") from exc
    if result.returncode != 0:
        raise BackupError(f"pgbackrest {args[-1]} 失败：{(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


def backup(kind: str = "full", *, using: str = "default") -> str:
    """A full, differential or incremental backup of the primary; returns ``pgbackrest info``."""
    if kind not in BACKUP_TYPES:
        raise BackupError(f"备份类型须为 {'、'.join(BACKUP_TYPES)}")
    config = _config()
    location = None if _names_pg_path(config) else _primary_location(using)
    pgbackrest(f"--type={kind}", "backup", location=location)
    return info()


def info() -> str:
    return pgbackrest("info")


def check(*, using: str = "default") -> None:
    """Switch the primary to a new WAL segment and wait until it is archived: everything committed
    until now can be restored."""
    config = _config()
    pgbackrest("check", location=None if _names_pg_path(config) else _primary_location(using), timeout=300)


@dataclass
class Scratch:
    """A restored copy running on its own port (stop it with :meth:`stop`)."""

    directory: Path
    port: int
    owner_prefix: list[str]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self, *, remove: bool = True) -> None:
        subprocess.run(  # noqa: S603
            [*self.owner_prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)


def restore_to_time(target: datetime, directory: Path, *, port: int = 5449, timeout: float = 600) -> Scratch:
    """The database as it was at ``target`` (an aware datetime), restored into ``directory`` (made; it
    must not exist or be empty) and started on ``port`` once recovery has reached that moment."""
    config = _config()
    prefix = _as_owner(config)
    directory = Path(directory).resolve()
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} 不是空目录")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    if prefix:
        shutil.chown(directory, user=prefix[2], group=prefix[2])
    pgbackrest(
        f"--pg1-path={directory}",
        "--type=time",
        f"--target={target.isoformat(sep=' ')}",
        "--target-action=promote",
        "restore",
    )
    # the copy's own port, socket and log; it archives nothing into the live cluster's repository and
    # waits for no standby
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory} "
        "-c archive_mode=off -c synchronous_standby_names= -c hot_standby=on -c cluster_name=pitr-scratch"
    )
    pg_ctl = [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(directory), "-o", options]
    started = subprocess.run(  # noqa: S603
        [*pg_ctl, "-l", str(directory / "pitr.log"), "start"],
        capture_output=True,
        text=True,
        check=False,
    )
    scratch = Scratch(directory, port, prefix)
    if started.returncode != 0:
        raise BackupError(f"恢复副本未能启动：{started.stderr.strip()[-1000:]}")
    _wait_promoted(scratch, timeout)
    return scratch


def _wait_promoted(scratch: Scratch, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(scratch.url("postgres"), connect_timeout=3) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            pass
        if not (scratch.directory / "postmaster.pid").exists() and time.monotonic() > deadline - timeout + 5:
            log = (scratch.directory / "pitr.log").read_text(errors="replace")[-1500:]
            raise BackupError(f"恢复副本已停止：{log}")
        time.sleep(0.5)
    raise BackupError(f"恢复副本在 {timeout:.0f} 秒内未完成恢复")
