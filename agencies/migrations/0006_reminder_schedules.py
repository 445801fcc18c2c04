"""The reminder schedules as rows of django-celery-beat, so province staff can change the times in the admin."""

import json

from django.db import migrations
from django.utils import timezone

# One morning run per time zone (Asia/Pontianak keeps WIB's clock but is its own zone in our regions).
MORNING_RUNS = [
    ("Asia/Jakarta", "WIB"),
    ("Asia/Pontianak", "WIB Kalimantan"),
    ("Asia/Makassar", "WITA"),
    ("Asia/Jayapura", "WIT"),
]
COMPOSE = "agencies.tasks.notifications_compose_task"
SWEEP = "agencies.tasks.notifications_dispatch_task"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for zone, label in MORNING_RUNS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone=zone
        )
        PeriodicTask.objects.get_or_create(
            name=f"Pengingat harian ({label}, {zone})",
            defaults={"task": COMPOSE, "crontab": crontab, "kwargs": json.dumps({"time_zones": [zone]})},
        )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Kirim email yang tertunda (outbox)", defaults={"task": SWEEP, "interval": every_minute}
    )
    # Tell a running beat that its schedule changed (historical models send no signals).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[COMPOSE, SWEEP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0005_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
