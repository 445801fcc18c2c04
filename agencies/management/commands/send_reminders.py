"""Run the reminder jobs from the command line: what beat does each morning, without needing Redis."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agencies import notifications
from agencies.regions import TIME_ZONES


class Command(BaseCommand):
    help = (
        "Write the reminders due and send them. With --now the work is done in this process (no broker needed); "
        "without it the job is queued for a Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Compose and send in this process, now.")
        parser.add_argument(
            "--time-zone",
            action="append",
            choices=TIME_ZONES,
            dest="time_zones",
            help="Only offices in this time zone (repeatable); default: all.",
        )
        parser.add_argument("--at", help="Compose as if it were this moment (ISO 8601, with offset); for checks.")

    def handle(self, *args, now, time_zones, at, **options):
        moment = None
        if at:
            moment = parse_datetime(at)
            if moment is None or timezone.is_naive(moment):
                raise CommandError("--at needs a date and time with its offset, e.g. 2026-11-23T07:00:00+07:00")
            moment = moment.astimezone(datetime.UTC)
        if not now:
            from agencies.tasks import notifications_compose_task

            notifications_compose_task.delay(time_zones)
            self.stdout.write("Queued the reminder run for a worker.")
            return
        written = notifications.notifications_compose(now=moment, time_zones=time_zones)
        result = notifications.notifications_deliver(notifications.due_for_sending())
        self.stdout.write(
            f"Reminders written: {written}. Emails sent: {result.sent}, failed (will be retried): {result.failed}, "
            f"switched off by the recipient or withheld: {result.skipped}."
        )
