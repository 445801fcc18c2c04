"""The access log's expiry (issue 18 item 9): the append-only trigger of 0002 lets one narrow DELETE through.

Still refused: every UPDATE; every DELETE of an event younger than a year (RETENTION_AUDIT_YEARS is at least 1, so no
setting needs one); every DELETE in a transaction that did not name, with set_config('agencies.trail_expiry_before',
…, true), a moment the event is older than. Only agencies.retention.trail_expire names one. The ledger and the
approved months keep 0002's plain refusal. The SQLite demo has no such trigger.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION agencies_auditevent_guard() RETURNS trigger AS $$
DECLARE
    expiring text := current_setting('agencies.trail_expiry_before', true);
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(expiring, '') <> ''
       AND OLD.created_at < expiring::timestamptz
       AND OLD.created_at < now() - interval '1 year' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS agencies_auditevent_append_only ON agencies_auditevent;
CREATE TRIGGER agencies_auditevent_append_only
    BEFORE UPDATE OR DELETE ON agencies_auditevent
    FOR EACH ROW EXECUTE FUNCTION agencies_auditevent_guard();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS agencies_auditevent_append_only ON agencies_auditevent;
CREATE TRIGGER agencies_auditevent_append_only
    BEFORE UPDATE OR DELETE ON agencies_auditevent
    FOR EACH ROW EXECUTE FUNCTION agencies_refuse_change();
DROP FUNCTION IF EXISTS agencies_auditevent_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0021_retentionrun")]

    operations = [migrations.RunPython(forwards, backwards)]
