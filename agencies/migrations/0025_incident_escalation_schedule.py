"""The breach register's escalations run every five minutes (issue 18 item 10): the 24, 48 and 66 hour marks after an
incident's detection fall at any hour, so the morning reminder run alone would send them up to a day late."""

from django.db import migrations
from django.utils import timezone

ESCALATE = "agencies.tasks.incident_escalations_task"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Eskalasi insiden data pribadi (3 × 24 jam)", defaults={"task": ESCALATE, "interval": every_five_minutes}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=ESCALATE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0024_incident"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
