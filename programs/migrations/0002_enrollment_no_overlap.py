"""PostgreSQL refuses two holding enrollments of one case whose batch dates overlap, whatever the application does.

Needs the btree_gist extension (for `case_id WITH =` in a GiST index); creating it needs a superuser, or an
extension already installed by the database administrator. SQLite (the demo) relies on the services' check.
"""

from django.db import migrations

UP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE programs_enrollment ADD CONSTRAINT enrollment_no_overlapping_batches
    EXCLUDE USING gist (case_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
    WHERE (status <> 'withdrawn');
"""
DOWN = "ALTER TABLE programs_enrollment DROP CONSTRAINT IF EXISTS enrollment_no_overlapping_batches;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
