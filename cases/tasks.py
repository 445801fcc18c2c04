"""Celery tasks of the cases: each takes ids or nothing, and runs one service."""

from celery import shared_task

from agencies.tasks import TRANSIENT


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def retention_run_task(actor_id: int | None = None):
    """Nightly (beat) and on the data-protection officer's request: pseudonymize the persons past their term, expire
    the trail and the export files naming them (cases.retention.retention_run). Acknowledged once done: a worker
    lost midway leaves it to run again, and a second run only finds what the first left."""
    from agencies.models import User

    from .retention import retention_run

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    return retention_run(actor=actor).pk
