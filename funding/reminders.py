"""What the money work reminds people of: approvals waiting, and a request that was rejected."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership, Role
from agencies.notifications import (
    Draft,
    admin_link,
    admin_link_maker,
    composer,
    local_now,
    notify,
    office_of,
    offices_of,
    register_kind,
)
from cases.privacy import is_restricted, subject_person, unrestricted

from . import due
from .models import Disbursement

# An email about a disbursement is about its case's person: the outbox skips it once she is restricted.
subject_person("funding.disbursement", "installment__entitlement__case__person")

APPROVALS_WAITING = register_kind(
    "approvals_waiting", _("Disbursements waiting for your approval"), "funding/notifications/approvals_waiting"
)
DISBURSEMENT_REJECTED = register_kind(
    "disbursement_rejected",
    _("A disbursement you requested was rejected"),
    "funding/notifications/disbursement_rejected",
)

# A digest lists at most this many requests and links to the rest.
DIGEST_LINES = 100


@composer
def approvals_waiting_digests(now: datetime.datetime):
    """One digest a day per finance approver: requests in their scope, by someone else, waiting over a day."""
    cutoff = due.waiting_long(now)
    if not Disbursement.objects.filter(status=Disbursement.Status.REQUESTED, requested_at__lt=cutoff).exists():
        return
    approvers = Membership.objects.filter(role=Role.FINANCE_APPROVER, active=True).values_list("user_id", flat=True)
    link = admin_link_maker("admin:funding_disbursement_change")
    list_url = settings.SITE_URL + reverse("admin:funding_disbursement_changelist") + "?status__exact=requested"
    # One query per approver (their scope differs); there are a few per office, not one per request.
    for membership in offices_of(approvers, roles=[Role.FINANCE_APPROVER]).values():
        local = local_now(membership.agency, now)
        waiting = list(
            due.approvals_waiting(membership.user)
            .filter(requested_at__lt=cutoff)
            # No email names a case whose person's processing is restricted (cases/privacy.py); the approver's
            # home still counts the request, which waits inside the office.
            .filter(unrestricted("installment__entitlement__case__person"))
            .order_by("requested_at", "pk")
            .values_list("pk", "amount", "requested_at", "installment__entitlement__case__number")
        )
        if not waiting:
            continue
        yield Draft(
            recipient=membership.user,
            agency=membership.agency,
            kind=APPROVALS_WAITING.code,
            period=local.date().isoformat(),
            context={
                "count": len(waiting),
                "total": sum(amount for _pk, amount, _at, _number in waiting),
                "requests": [
                    {
                        "case_number": number,
                        "amount": amount,
                        "requested_at": requested_at,
                        "days_waiting": (now - requested_at).days,
                        "url": link(pk),
                    }
                    for pk, amount, requested_at, number in waiting[:DIGEST_LINES]
                ],
                "not_shown": max(len(waiting) - DIGEST_LINES, 0),
                "list_url": list_url,
            },
        )


def disbursement_rejected_notify(disbursement: Disbursement) -> None:
    """Tell the requester, from inside the rejecting transaction (the outbox)."""
    requester = disbursement.requested_by
    if requester is None:
        return
    case = disbursement.installment.entitlement.case
    if is_restricted(case.person_id):
        return  # no email about a person whose processing is restricted (cases/privacy.py)
    notify(
        [
            Draft(
                recipient=requester,
                agency=office_of(requester, default=case.owner),
                kind=DISBURSEMENT_REJECTED.code,
                subject=f"funding.disbursement:{disbursement.pk}",
                period="rejected",
                context={
                    "case_number": case.number,
                    "amount": disbursement.amount,
                    "url": admin_link("admin:funding_disbursement_change", disbursement.pk),
                },
            )
        ]
    )
