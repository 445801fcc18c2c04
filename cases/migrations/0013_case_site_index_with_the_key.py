# The site's index on cases becomes (site, id): an export of one site's cases reads them by key a page at a time.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_correction_request_restriction"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["site", "id"], name="case_site_keyset"),
        ),
        migrations.AlterField(
            model_name="case",
            name="site",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="cases.site",
                verbose_name="site",
            ),
        ),
    ]
