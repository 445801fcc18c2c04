"""Celery tasks of the reminders: each takes ids or nothing, and runs one service (agencies.notifications)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import exports, notifications

# A database restart or a dropped connection is worth waiting for; anything else is a bug to see at once.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def notifications_compose_task(time_zones: list[str] | None = None):
    """The morning beat of one time zone: write the reminders due now for its offices, then queue them."""
    written = notifications.notifications_compose(time_zones=time_zones)
    notifications.notifications_dispatch()
    return written


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def notifications_dispatch_task():
    """The minute sweep: queue whatever is unsent and due (outbox rows the broker missed, failed sends)."""
    return notifications.notifications_dispatch()


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600)
def notifications_deliver_task(self, ids: list[int]):
    """Send these notifications; the ones the mail server refused are tried again after a backoff."""
    result = notifications.notifications_deliver(ids)
    if result.retry_ids and not self.request.is_eager:
        # Retried as a new task for just the refused rows; the sweep would find them too, and the row lock
        # makes whichever comes second a no-op.
        notifications_deliver_task.apply_async((result.retry_ids,), countdown=result.retry_after)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def incident_escalations_task():
    """Every few minutes: write the breach register's escalations due now (24, 48, 66 hours after detection fall at
    any hour, not just at the morning run), then queue them."""
    from .reminders import incident_escalations

    written = notifications.notifications_compose(composers=[incident_escalations])
    notifications.notifications_dispatch()
    return written


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def idempotency_records_purge_task():
    """Hourly: drop stored Idempotency-Key answers past their day (they may carry personal data)."""
    from .api import idempotency

    return idempotency.purge_expired()


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def export_run_task(export_id: int):
    """Write one export's file. Acknowledged only when done: a worker killed mid-file leaves the message to be
    delivered again, and the next run starts the file over (agencies.exports.export_run)."""
    export = exports.export_run(export_id)
    return None if export is None else export.status


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def exports_purge_task():
    """Hourly: delete export files past their days, and queue again exports the broker missed."""
    return {"purged": exports.exports_purge(), "queued_again": exports.exports_requeue()}


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=20)
def sessions_purge_task():
    """Hourly: delete session rows past their expiry (with them the staff's addresses and browsers they hold)."""
    from . import sessions

    return {"purged": sessions.sessions_purge()}


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def figures_refresh_task(actor_id: int | None = None):
    """Nightly (beat) and on demand: recompute every indicator's figures. Acknowledged once done, so a worker lost
    midway leaves it to run again; a second run only replaces the figures with equally new ones."""
    from .figures_refresh import figures_refresh
    from .models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    return figures_refresh(actor=actor).pk
