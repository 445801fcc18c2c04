"""Stored Idempotency-Key answers are purged hourly by beat, instead of on every POST."""

from django.db import migrations
from django.utils import timezone

PURGE = "agencies.tasks.idempotency_records_purge_task"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name="Hapus jawaban Idempotency-Key yang lewat sehari", defaults={"task": PURGE, "interval": hourly}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=PURGE).delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0006_reminder_schedules")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
