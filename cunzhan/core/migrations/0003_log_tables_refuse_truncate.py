"""On PostgreSQL the operation and login logs also refuse TRUNCATE: 0001's row trigger guards UPDATE
and DELETE, but TRUNCATE fires no row trigger and would empty a log at once (also through
``TRUNCATE <another table> CASCADE`` or Django's ``flush``). A statement trigger refuses it for every
role, the tables' owner included; only a superuser can skip triggers (``session_replication_role``).
Old rows are removed by ``cunzhan purge-logs``, row by row, through 0001's trigger.

The owner could still disable or drop the triggers: the application therefore runs as a role that owns
nothing (``cunzhan grant-runtime``, docs/deployment.md)."""

from django.db import migrations

LOG_TABLES = ["auditlog_logentry", "axes_accesslog", "axes_accessfailurelog"]

FUNCTION = """
CREATE OR REPLACE FUNCTION cunzhan_refuse_log_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '日志只读，不能清空 (%%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in LOG_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cunzhan_refuse_log_truncate()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in LOG_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS cunzhan_refuse_log_truncate()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_published_period"),
    ]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
