"""The background schedules (django-celery-beat's rows) in words for the admin: what each task does, and when.

Staff never read a cron line, a task's code or a zone's IANA name: "setiap hari pukul 07.00 WITA", "setiap Senin
pukul 07.00 WIB", "setiap jam pada menit ke-15"; a shape with no words here reads "at times set by the system's
set-up" rather than its code.
"""

import datetime

from django.utils import formats
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .regions import time_zone_label

TASKS = {
    "agencies.tasks.notifications_compose_task": gettext_lazy("Write the day's reminder emails"),
    "agencies.tasks.notifications_dispatch_task": gettext_lazy("Send the emails waiting in the outbox"),
    "agencies.tasks.notifications_deliver_task": gettext_lazy("Send emails"),
    "agencies.tasks.idempotency_records_purge_task": gettext_lazy("Delete the API's stored replies after a day"),
    "agencies.tasks.exports_purge_task": gettext_lazy("Delete export files past their days"),
    "agencies.tasks.figures_refresh_task": gettext_lazy("Recompute the indicators' figures"),
    "agencies.tasks.sessions_purge_task": gettext_lazy("Delete ended sessions"),
    "agencies.tasks.incident_escalations_task": gettext_lazy("Escalate personal data incidents near their deadline"),
}


def task_label(task) -> str:
    """What a periodic task does, in words; a task of no known kind by the name it was given (never its code)."""
    known = TASKS.get(task.task)
    return str(known) if known is not None else task.name


def task_name(task) -> str:
    """A periodic task named in words for titles and labels: what it does and when ("Write the day's reminder
    emails, every day at 07.00 WITA"); the rows' own names carry zone codes."""
    return f"{task_label(task)}, {schedule_label(task)}"


def schedule_label(task) -> str:
    """When a periodic task runs: `every day at 07.00 WITA`, `every minute`, or the library's own words."""
    if task.crontab_id:
        return crontab_label(task.crontab)
    return str(task.scheduler) if task.scheduler is not None else "—"


def _times(hours: str, minute: str) -> list[str] | None:
    # "7" and "0" → ["07.00"]; "7,13" and "30" → ["07.30", "13.30"]; None for ranges, steps or "*".
    parts = hours.split(",")
    if not minute.isdigit() or not all(part.isdigit() for part in parts):
        return None
    return [formats.time_format(datetime.time(int(hour), int(minute))) for hour in parts]


def _weekday(day: str) -> str | None:
    # Cron counts from Sunday (0 or 7), Django's WEEKDAYS from Monday (0).
    return str(WEEKDAYS[(int(day) - 1) % 7]) if day.isdigit() and int(day) <= 7 else None


def crontab_label(crontab) -> str:
    """A cron line in words, with the office's zone (`every day at 07.00 WITA`, `every Monday at 07.00 WIB`,
    `every hour at minute 15`); a shape with no words here says so, never the line itself."""
    zone = time_zone_label(str(crontab.timezone))
    every_month = (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
    times = _times(crontab.hour, crontab.minute)
    if every_month and times:
        at = _(" and ").join(times)
        if crontab.day_of_week == "*":
            return _("every day at %(time)s %(zone)s") % {"time": at, "zone": zone}
        if (day := _weekday(crontab.day_of_week)) is not None:
            return _("every %(day)s at %(time)s %(zone)s") % {"day": day, "time": at, "zone": zone}
    if every_month and crontab.hour == "*" and crontab.day_of_week == "*" and crontab.minute.isdigit():
        return _("every hour at minute %(minute)s") % {"minute": int(crontab.minute)}
    return _("at times set by the system's set-up (%(zone)s)") % {"zone": zone}
