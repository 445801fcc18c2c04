"""A trigram index on the person's search key, so a search by name (cases/names.py: `term <% name_key`) reads the
index instead of every person in the scope, and forgives a misspelt name.

Needs the pg_trgm extension (trusted since PostgreSQL 13: the database's owner may create it). SQLite (the demo)
compares in Python (cases/apps.py registers `word_similarity`) and needs no index for its few hundred persons.
"""

from django.db import migrations

UP = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS person_name_trigrams ON cases_person USING gin (name_key gin_trgm_ops);
"""
DOWN = "DROP INDEX IF EXISTS person_name_trigrams;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_person_name_key")]

    operations = [migrations.RunPython(forwards, backwards)]
