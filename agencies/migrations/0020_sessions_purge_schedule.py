"""Session rows past their expiry are deleted hourly by beat (agencies.sessions.sessions_purge)."""

from django.db import migrations
from django.utils import timezone

PURGE = "agencies.tasks.sessions_purge_task"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name="Hapus sesi yang sudah berakhir", defaults={"task": PURGE, "interval": hourly}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=PURGE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0019_role_data_protection_officer"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
