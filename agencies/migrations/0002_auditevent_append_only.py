"""PostgreSQL itself refuses to change or delete audit events, whatever the application does.

TRUNCATE stays possible for the database owner (test flushes use it); the application never issues it.
The SQLite demo has no such trigger.
"""

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
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS agencies_auditevent_append_only ON agencies_auditevent;
DROP FUNCTION IF EXISTS agencies_refuse_change();
"""
def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)  # None: the `%` in the SQL are not placeholders


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
