"""PostgreSQL refuses UPDATE and DELETE on the ledger: money is corrected by reversing entries, never edited.

Uses the refusing function of agencies' audit-trail migration. The SQLite demo has no such trigger.
"""

from django.db import migrations

UP = """
CREATE TRIGGER funding_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON funding_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION agencies_refuse_change();
"""
DOWN = "DROP TRIGGER IF EXISTS funding_ledgerentry_append_only ON funding_ledgerentry;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial"), ("agencies", "0002_auditevent_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
