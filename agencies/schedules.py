"""The background schedules (django-celery-beat's rows) in words for the admin: what each task does, and when."""

import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .regions import time_zone_label

TASKS = {
    "agencies.tasks.notifications_compose_task": gettext_lazy("Write the day's reminder emails"),
    "agencies.tasks.notifications_dispatch_task": gettext_lazy("Send the emails waiting in the outbox"),
    "agencies.tasks.notifications_deliver_task": gettext_lazy("Send emails"),
    "agencies.tasks.idempotency_records_purge_task": gettext_lazy("Delete the API's stored replies after a day"),
}


def schedule_label(task) -> str:
    """When a periodic task runs: `every day at 07.00 WITA`, `every minute`, or the library's own words."""
    if task.crontab_id:
        return crontab_label(task.crontab)
    return str(task.scheduler) if task.scheduler is not None else "—"


def crontab_label(crontab) -> str:
    """A daily time in words (`every day at 07.00 WITA`); any other cron line as it is, with its zone."""
    zone = time_zone_label(str(crontab.timezone))
    daily = (crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == ("*", "*", "*")
    if daily and crontab.hour.isdigit() and crontab.minute.isdigit():
        time = formats.time_format(datetime.time(int(crontab.hour), int(crontab.minute)))
        return _("every day at %(time)s %(zone)s") % {"time": time, "zone": zone}
    fields = (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week)
    return f"{' '.join(fields)} ({zone})"
