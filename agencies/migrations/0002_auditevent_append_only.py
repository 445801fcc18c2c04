"""The database itself refuses to change or delete audit events, whatever the application does."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION agencies_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agencies_auditevent_append_only
    BEFORE UPDATE OR DELETE ON agencies_auditevent
    FOR EACH ROW EXECUTE FUNCTION agencies_refuse_change();
CREATE TRIGGER agencies_auditevent_no_truncate
    BEFORE TRUNCATE ON agencies_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION agencies_refuse_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS agencies_auditevent_no_truncate ON agencies_auditevent;
DROP TRIGGER IF EXISTS agencies_auditevent_append_only ON agencies_auditevent;
DROP FUNCTION IF EXISTS agencies_refuse_change();
"""
SQLITE_UP = [
    """CREATE TRIGGER agencies_auditevent_no_update BEFORE UPDATE ON agencies_auditevent
       BEGIN SELECT RAISE(ABORT, 'agencies_auditevent is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER agencies_auditevent_no_delete BEFORE DELETE ON agencies_auditevent
       BEGIN SELECT RAISE(ABORT, 'agencies_auditevent is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS agencies_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS agencies_auditevent_no_delete;",
]


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    statements = [postgres] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
