"""On PostgreSQL the operation and login logs refuse UPDATE, and DELETE of rows younger than
180 days, at the database level: nobody, not even a bug in this code, can rewrite history.
(SQLite, the single-machine demo database, relies on the application alone.)"""

from django.db import migrations

LOG_TABLES = ["auditlog_logentry", "axes_accesslog", "axes_accessfailurelog"]
TIME_COLUMN = {"auditlog_logentry": "timestamp", "axes_accesslog": "attempt_time",
               "axes_accessfailurelog": "attempt_time"}

FUNCTION = """
CREATE OR REPLACE FUNCTION cunzhan_protect_log() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- axes records the logout time on its access log, and a deleted account's
        -- actor link may be cleared; nothing else of a log row may change.
        -- (nested IFs: PL/pgSQL does not short-circuit, and each table has its own columns)
        IF TG_TABLE_NAME = 'axes_accesslog' THEN
            IF NEW.attempt_time = OLD.attempt_time AND NEW.username IS NOT DISTINCT FROM OLD.username THEN
                RETURN NEW;
            END IF;
        ELSIF TG_TABLE_NAME = 'auditlog_logentry' THEN
            IF NEW.timestamp = OLD.timestamp AND NEW.changes IS NOT DISTINCT FROM OLD.changes
               AND NEW.action = OLD.action AND NEW.actor_id IS NULL THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION '日志只读，不能修改 (%%)', TG_TABLE_NAME;
    END IF;
    IF TG_OP = 'DELETE' AND (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz > now() - interval '180 days' THEN
        RAISE EXCEPTION '日志须至少保留 180 天 (%%)', TG_TABLE_NAME;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in LOG_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_protect BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cunzhan_protect_log('{TIME_COLUMN[table]}')"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in LOG_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_protect ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS cunzhan_protect_log()")


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "__latest__"),
        ("axes", "__latest__"),
    ]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
