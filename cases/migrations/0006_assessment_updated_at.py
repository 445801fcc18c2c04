# An assessment is edited with If-Match (issue 13): its version is its id and `updated_at`, as for every other row.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_sync_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="updated_at",
            # Rows written before have no better time than now: their first version is the migration's.
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="updated at"),
            preserve_default=False,
        ),
    ]
