"""What money work waits for someone, defined once: read by the approvals digest (funding.reminders), by the admin
home's "My work" (funding.work) and by the admin list it links to (funding.admin). Through agencies.access."""

import datetime

from django.conf import settings
from django.db.models import QuerySet

from agencies import access

from .models import Disbursement


def waiting_for(disbursements: QuerySet[Disbursement], approver) -> QuerySet[Disbursement]:
    """Of `disbursements`, the requests still waiting for a decision, requested by someone else than `approver`
    (four eyes)."""
    return disbursements.filter(status=Disbursement.Status.REQUESTED).exclude(requested_by=approver)


def approvals_waiting(approver) -> QuerySet[Disbursement]:
    """The requests waiting for `approver`: `waiting_for` among those they may see."""
    return waiting_for(access.visible_to(approver, Disbursement), approver)


def waiting_long(now: datetime.datetime) -> datetime.datetime:
    """Requests made before this have waited long enough for the daily digest to name them (the home shows the
    whole queue at once; the email waits a day, so a request made this morning is not an email tonight)."""
    return now - datetime.timedelta(hours=settings.REMINDER_APPROVAL_WAITING_HOURS)
