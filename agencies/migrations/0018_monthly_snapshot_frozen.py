"""PostgreSQL itself refuses to change or delete an approved month's figures (agencies.MonthlySnapshot), as it
refuses it for audit events: a correction is a new revision. Reuses 0002's trigger function. The SQLite demo has
no such trigger (the service and the admin have no update or delete path either way).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE TRIGGER agencies_monthlysnapshot_frozen
    BEFORE UPDATE OR DELETE ON agencies_monthlysnapshot
    FOR EACH ROW EXECUTE FUNCTION agencies_refuse_change();
"""
POSTGRES_DOWN = "DROP TRIGGER IF EXISTS agencies_monthlysnapshot_frozen ON agencies_monthlysnapshot;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0017_monthly_snapshot")]

    operations = [migrations.RunPython(forwards, backwards)]
