from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("agencies", "0010_forget_plain_stored_replies")]

    operations = [
        migrations.RemoveField(model_name="idempotencyrecord", name="body"),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="reply",
            field=models.TextField(default="", help_text="The reply's JSON as a Fernet token (agencies.encryption)."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="about_type",
            field=models.CharField(blank=True, help_text='The model the reply shows, "cases.case".', max_length=100),
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="about_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="status_code",
            field=models.PositiveSmallIntegerField(),
        ),
    ]
