"""PostgreSQL tells every listening connection when an API client or an agency changes (agencies.fastpath.token_cache).

A client's revocation, rotation, renaming or change of scope or agency, and any change to an agency, NOTIFY the
channel once per statement; noting a token's last use does not. TRUNCATE (test flushes) notifies too. The SQLite
demo has no such triggers and no token cache.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION agencies_api_clients_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('agencies_api_clients', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agencies_apiclient_changed
    AFTER UPDATE OF name, scope, key_id, token_hash, rotated_at, revoked_at, agency_id OR DELETE OR TRUNCATE
    ON agencies_apiclient FOR EACH STATEMENT EXECUTE FUNCTION agencies_api_clients_changed();
CREATE TRIGGER agencies_agency_changed
    AFTER UPDATE OR DELETE OR TRUNCATE
    ON agencies_agency FOR EACH STATEMENT EXECUTE FUNCTION agencies_api_clients_changed();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS agencies_agency_changed ON agencies_agency;
DROP TRIGGER IF EXISTS agencies_apiclient_changed ON agencies_apiclient;
DROP FUNCTION IF EXISTS agencies_api_clients_changed();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0008_auditevent_references_unchecked")]

    operations = [migrations.RunPython(forwards, backwards)]
