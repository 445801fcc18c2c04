"""The figures are recomputed nightly by beat (issue 17), after the day's work and before the morning reminders."""

from django.db import migrations
from django.utils import timezone

REFRESH = "agencies.tasks.figures_refresh_task"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    PeriodicTask.objects.get_or_create(
        name="Perbarui angka indikator (malam hari)", defaults={"task": REFRESH, "crontab": nightly}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=REFRESH).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0015_figures"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
