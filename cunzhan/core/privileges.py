"""The runtime role of a least-privilege PostgreSQL deployment (docs/deployment.md).

Two database roles: the *owner* owns every table and runs ``migrate``, ``ledger-partitions``,
``purge-logs`` and ``restore``; the app runs as the *runtime* role, which owns nothing. An owner may
disable or drop a table's triggers, and then change or empty the table at will; a role that owns nothing
can do neither, so the log tables' triggers (core migrations 0001 and 0003) hold against the running app.

The runtime role gets:

* on the business tables (every table but the logs, monthly ledger partitions included) SELECT,
  INSERT, UPDATE and DELETE: no TRUNCATE, REFERENCES or TRIGGER;
* on the log tables SELECT and INSERT only, plus UPDATE of the columns in ``LOG_UPDATED_COLUMNS``;
* on ``django_migrations`` SELECT (``showmigrations`` and ``check`` read it; only ``migrate`` writes);
* on the sequences SELECT (the dashboards read the ledgers' newest id from their sequences,
  cunzhan.ledgers.aggregates._tops); USAGE (``nextval``) only on a sequence that is not an identity
  column's (an INSERT draws an identity's next value without it), never UPDATE (``setval``);
* by default, on tables and sequences the owner creates later (next month's partition, a new model's
  table), the business grants. A new *log* table needs this module and migration 0003 extended.

Whatever was granted before is revoked first, so running it again converges on the same grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db import connections, transaction

LOG_TABLES = ("auditlog_logentry", "axes_accesslog", "axes_accessfailurelog")

# The columns of a log row the running app changes once the row exists: django-axes records the
# logout on the login's row (axes.handlers.database.user_logged_out: ``.update(logout_time=...)``).
# Nothing else: django-auditlog only inserts; clearing ``auditlog_logentry.actor_id`` (which migration
# 0001 allows) happens only when an account is deleted, and the app deactivates accounts, never deletes
# them, so that stays with the owner. axes' trimming of a user's failure log (a DELETE) is turned off
# in the settings (AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT).
LOG_UPDATED_COLUMNS = {"axes_accesslog": ("logout_time",)}

READ_ONLY_TABLES = ("django_migrations",)
BUSINESS = "SELECT, INSERT, UPDATE, DELETE"


class RuntimeRoleError(Exception):
    """The role cannot serve as the runtime role; the message says why (in Chinese)."""


@dataclass(frozen=True)
class Granted:
    role: str
    business_tables: int
    partitions: int
    log_tables: int
    sequences: int
    owners: tuple[str, ...]
    can_create_in_schema: bool

    def describe(self) -> str:
        columns = "；".join(f"{table} 另可改 {'、'.join(cols)}" for table, cols in LOG_UPDATED_COLUMNS.items())
        return (
            f"已给运行角色 {self.role} 授权：业务表 {self.business_tables} 张（含台账分区 {self.partitions} 个）"
            f"可增删改查；日志表 {self.log_tables} 张只可插入和读取（{columns}）；序列 {self.sequences} 个可读；"
            f"{'、'.join(self.owners)} 今后新建的表和序列默认同样授权。"
        )


class _Relation(NamedTuple):
    name: str
    kind: str  # pg_class.relkind: r table, p partitioned table, S sequence
    is_partition: bool
    is_identity: bool  # a sequence behind an identity column
    owner: str
    role_is_owner: bool  # the role is the owner or a member of it


def grant_runtime(role: str, *, using: str = "default") -> Granted | None:
    """Give ``role`` the runtime grants on the tables and sequences of the connection's schema, and the
    business grants by default on those created later; ``None`` on SQLite (one process, no roles)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None

    from psycopg import sql

    def quoted(*names: str) -> str:
        return ", ".join(sql.Identifier(name).as_string(connection.connection) for name in names)

    with transaction.atomic(using=using), connection.cursor() as cursor:
        schema, relations = _relations(cursor, role)
        _refuse_unfit(cursor, role, relations)
        tables = [r for r in relations if r.kind != "S"]
        logs = [r.name for r in tables if r.name in LOG_TABLES]
        read_only = [r.name for r in tables if r.name in READ_ONLY_TABLES]
        business = [r.name for r in tables if r.name not in logs and r.name not in read_only]
        sequences = [r for r in relations if r.kind == "S"]
        owners = sorted({r.owner for r in relations})

        def everything(names: list[str]) -> str:
            return ", ".join(sql.Identifier(schema, name).as_string(connection.connection) for name in names)

        to = f"TO {quoted(role)}"
        cursor.execute(f"GRANT CONNECT ON DATABASE {quoted(connection.settings_dict['NAME'])} {to}")
        cursor.execute(f"GRANT USAGE ON SCHEMA {quoted(schema)} {to}")
        # revoking a table's privilege revokes the same privilege on its columns as well
        cursor.execute(f"REVOKE ALL ON TABLE {everything([r.name for r in tables])} FROM {quoted(role)}")
        cursor.execute(f"GRANT {BUSINESS} ON TABLE {everything(business)} {to}")
        cursor.execute(f"GRANT SELECT, INSERT ON TABLE {everything(logs)} {to}")
        for table, columns in LOG_UPDATED_COLUMNS.items():
            if table in logs:
                cursor.execute(f"GRANT UPDATE ({quoted(*columns)}) ON TABLE {everything([table])} {to}")
        if read_only:
            cursor.execute(f"GRANT SELECT ON TABLE {everything(read_only)} {to}")
        if sequences:
            cursor.execute(f"REVOKE ALL ON SEQUENCE {everything([r.name for r in sequences])} FROM {quoted(role)}")
            cursor.execute(f"GRANT SELECT ON SEQUENCE {everything([r.name for r in sequences])} {to}")
            drawn = [r.name for r in sequences if not r.is_identity]
            if drawn:
                cursor.execute(f"GRANT USAGE ON SEQUENCE {everything(drawn)} {to}")
        for owner in owners:
            # what the owner creates later: next month's ledger partitions, a new model's table
            prefix = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quoted(owner)} IN SCHEMA {quoted(schema)}"
            cursor.execute(f"{prefix} REVOKE ALL ON TABLES FROM {quoted(role)}")
            cursor.execute(f"{prefix} REVOKE ALL ON SEQUENCES FROM {quoted(role)}")
            cursor.execute(f"{prefix} GRANT {BUSINESS} ON TABLES {to}")
            cursor.execute(f"{prefix} GRANT SELECT ON SEQUENCES {to}")
        for table in logs:
            _verify_log(cursor, role, everything([table]), table)
        cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
        can_create = cursor.fetchone()[0]
    return Granted(
        role=role,
        business_tables=len(business),
        partitions=sum(1 for r in tables if r.is_partition),
        log_tables=len(logs),
        sequences=len(sequences),
        owners=tuple(owners),
        can_create_in_schema=can_create,
    )


def _relations(cursor, role: str) -> tuple[str, list[_Relation]]:
    """The schema the app's tables are in (the connection's current schema) and its tables and sequences."""
    cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        raise RuntimeRoleError(f"数据库角色 {role} 不存在，请先创建（docs/deployment.md）")
    if row[0]:
        raise RuntimeRoleError(f"{role} 是超级用户（或可绕过行级安全），不受授权限制，不能作为运行角色")
    cursor.execute("SELECT current_schema()")
    schema = cursor.fetchone()[0]
    cursor.execute(
        "SELECT c.relname, c.relkind, c.relispartition, "
        "EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
        "AND d.deptype = 'i'), "
        "pg_get_userbyid(c.relowner), pg_has_role(%s, c.relowner, 'MEMBER') "
        "FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p', 'S') "
        "ORDER BY c.relname",
        [role, schema],
    )
    relations = [_Relation(*row) for row in cursor.fetchall()]
    if not any(r.name == "django_migrations" for r in relations):
        raise RuntimeRoleError(f"模式 {schema} 中没有本系统的数据表：请先以属主角色运行 cunzhan migrate")
    return schema, relations


def _refuse_unfit(cursor, role: str, relations: list[_Relation]) -> None:
    """A role that owns a table (or inherits an owner's rights), or the database, could undo every grant."""
    owned = [r.name for r in relations if r.role_is_owner]
    if owned:
        raise RuntimeRoleError(
            f"{role} 拥有（或作为属主角色的成员继承）{owned[0]} 等 {len(owned)} 个对象，"
            "运行角色不能拥有任何对象：请另建一个角色（docs/deployment.md）"
        )
    cursor.execute(
        "SELECT pg_has_role(%s, datdba, 'MEMBER') FROM pg_database WHERE datname = current_database()", [role]
    )
    if cursor.fetchone()[0]:
        raise RuntimeRoleError(f"{role} 是本数据库的属主（或其成员），不能作为运行角色")


def _verify_log(cursor, role: str, qualified: str, table: str) -> None:
    """The privileges the role holds on a log table in effect, through PUBLIC and the roles it belongs to
    as well (pg_write_all_data, a role granted by hand): none beyond reading, inserting and the allowed
    columns, or nothing is granted."""
    cursor.execute(
        "SELECT p FROM unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p "
        "WHERE has_table_privilege(%s, %s, p)",
        [role, qualified],
    )
    extra = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "AND NOT attname = ANY(%s) AND has_column_privilege(%s, attrelid, attnum, 'UPDATE')",
        [qualified, list(LOG_UPDATED_COLUMNS.get(table, ())), role],
    )
    extra += [f"UPDATE({row[0]})" for row in cursor.fetchall()]
    if extra:
        raise RuntimeRoleError(
            f"{role} 对日志表 {table} 仍有 {'、'.join(extra)} 权限（来自 PUBLIC 或其所属角色，"
            "如 pg_write_all_data）：请撤销这些授权后重试"
        )
