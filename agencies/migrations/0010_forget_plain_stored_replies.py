"""Stored API replies were kept in clear (issue 13): forget them before their column becomes encrypted. They are
answers kept for a day for retries; a client retrying one after this migration gets its request run again, which
the unique external ids and keyed NIKs make safe for intake."""

from django.db import migrations


def forget(apps, schema_editor):
    apps.get_model("agencies", "IdempotencyRecord").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0009_api_client_change_notify")]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
