"""Backup and restore of the whole database: pg_dump/pg_restore on PostgreSQL, SQLite's online
backup API on SQLite. A restore is all or nothing (one transaction on PostgreSQL; SQLite's backup
replaces the file's pages atomically)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why (in Chinese)."""


def _pg_env(settings: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings.get(key):
            env[name] = str(settings[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=3600)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"找不到 {command[0]}，请安装 PostgreSQL 客户端工具") from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip()[-2000:]}")


def backup(path: Path, *, using: str = "default") -> Path:
    connection = connections[using]
    settings = connection.settings_dict
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", settings["NAME"]],
            _pg_env(settings),
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    return path


def restore(path: Path, *, using: str = "default", database: str | None = None) -> None:
    """Replace the database's content with the backup; ``database`` restores into another
    PostgreSQL database on the same server instead (which must exist)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    connection = connections[using]
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={database or settings['NAME']}",
                str(path),
            ],
            _pg_env(settings),
        )
    elif connection.vendor == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} 不是有效的 SQLite 备份：{exc}") from exc
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")


def fingerprint(using: str = "default", *, database: str | None = None) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table's content, to compare a database with its restore.

    On PostgreSQL both sides are read through the same plain psycopg connection settings (UTC), so
    values compare as the server stores them; ``database`` reads another database on the server. The
    checksum is computed inside PostgreSQL, a row at a time: the sum of each row's MD5 (as two 64-bit
    numbers), which does not depend on the rows' order and needs no memory for a province's 50 million
    ledger rows. A partitioned table is read through its parent (its partitions are not listed again).
    On SQLite (the embedded database of a single office) the rows are hashed in Python."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(
            dbname=database or settings["NAME"],
            host=settings.get("HOST") or None,
            port=settings.get("PORT") or None,
            user=settings.get("USER") or None,
            password=settings.get("PASSWORD") or None,
        ) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            conn.execute("SET jit = off")
            return _pg_fingerprint(conn.cursor())
    with connection.cursor() as cursor:
        return _fingerprint(cursor, connection.introspection.table_names(cursor))


def _pg_fingerprint(cursor) -> dict[str, tuple[int, str]]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    )
    result = {}
    for (table,) in sorted(cursor.fetchall()):
        if table == "django_migrations":
            continue
        # the row as PostgreSQL prints it, hashed; the two halves of the hash summed as exact numerics
        cursor.execute(
            "SELECT count(*), coalesce(sum(('x' || left(h, 16))::bit(64)::bigint::numeric), 0), "  # noqa: S608
            f"coalesce(sum(('x' || right(h, 16))::bit(64)::bigint::numeric), 0) "
            f'FROM (SELECT md5(t::text) AS h FROM "{table}" AS t) AS rows'  # table names come from the catalogue
        )
        count, high, low = cursor.fetchone()
        result[table] = (count, f"{high}:{low}")
    return result


def _fingerprint(cursor, tables: list[str]) -> dict[str, tuple[int, str]]:
    result = {}
    for table in sorted(tables):
        if table == "django_migrations" or table.startswith("sqlite_"):
            continue
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  table names come from the catalogue
        digest = hashlib.sha256()
        rows = sorted(repr(row) for row in cursor.fetchall())
        for row in rows:
            digest.update(row.encode())
        result[table] = (len(rows), digest.hexdigest())
    return result
