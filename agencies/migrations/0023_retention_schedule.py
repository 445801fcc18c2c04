"""The retention job runs nightly by beat (issue 18 item 9), after the figures' refresh of 01:00."""

from django.db import migrations
from django.utils import timezone

RETENTION = "cases.tasks.retention_run_task"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    PeriodicTask.objects.get_or_create(
        name="Retensi: samarkan kasus lewat masa simpan (malam hari)", defaults={"task": RETENTION, "crontab": nightly}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=RETENTION).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0022_auditevent_retention_path"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
