"""The case work's event emails: a referral addressed to an agency, and its answer back to the referrer."""

from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.notifications import Draft, admin_link, notify, register_kind

from . import privacy
from .due import RECEIVING_ROLES
from .models import Referral

REFERRAL_RECEIVED = register_kind(
    "referral_received",
    _("A referral addressed to your agency"),
    "cases/notifications/referral_received",
    critical=True,
)
REFERRAL_ANSWERED = register_kind(
    "referral_answered", _("An answer to a referral you made"), "cases/notifications/referral_answered"
)
# Sent about a person whose processing is being restricted, on purpose: it tells the receiver to stop waiting.
REFERRAL_WITHDRAWN = register_kind(
    "referral_withdrawn",
    _("A referral to your agency withdrawn"),
    "cases/notifications/referral_withdrawn",
    critical=True,
    despite_restriction=True,
)


privacy.subject_person("cases.referral", "case__person")


def referral_received_notify(referral: Referral) -> None:
    """Tell the receiving agency's case workers, from inside the referring transaction (the outbox). Whoever is told
    finds the referral on their home until it is answered (cases.due.referrals_waiting). Never about a person
    whose processing is restricted: its only caller, referral_create, refuses her under the case's lock."""
    link = admin_link("admin:cases_referral_change", referral.pk)
    notify(
        Draft(
            recipient=user,
            agency=referral.to_agency,
            kind=REFERRAL_RECEIVED.code,
            subject=f"cases.referral:{referral.pk}",
            period="created",
            context={
                "case_number": referral.case.number,
                "referral_kind": referral.get_kind_display(),
                "from_agency": referral.from_agency.name,
                "url": link,
            },
        )
        for user in access.members_acting_on(referral, agency_id=referral.to_agency_id, roles=RECEIVING_ROLES)
    )


def referral_answered_notify(referral: Referral) -> None:
    """Tell whoever made the referral that it was accepted or declined (both sides are told)."""
    referrer = referral.created_by
    if referrer is None or privacy.is_restricted(referral.case.person_id):
        return  # no email about a person whose processing is restricted (cases/privacy.py)
    notify(
        [
            Draft(
                recipient=referrer,
                agency=referral.from_agency,  # whom the referrer acted for (agencies.access.acting_agency)
                kind=REFERRAL_ANSWERED.code,
                subject=f"cases.referral:{referral.pk}",
                period=referral.status,
                context={
                    "case_number": referral.case.number,
                    "status": referral.get_status_display(),
                    "to_agency": referral.to_agency.name,
                    "url": admin_link("admin:cases_referral_change", referral.pk),
                },
            )
        ]
    )


def referral_withdrawn_notify(referral: Referral) -> None:
    """Tell the receiving agency's case workers (those told it arrived) that a referral no longer waits for their
    answer: its case number and who sent it, no reason and no link. The reason (a restriction) is not theirs to
    know, as her rows answer them 404 without saying why (cases/privacy.py). Called before the restriction is in
    force: the access rule finds the receivers only while they may still read the referral."""
    notify(
        Draft(
            recipient=user,
            agency=referral.to_agency,
            kind=REFERRAL_WITHDRAWN.code,
            subject=f"cases.referral:{referral.pk}",
            period=referral.status,
            context={
                "case_number": referral.case.number,
                "referral_kind": referral.get_kind_display(),
                "from_agency": referral.from_agency.name,
            },
        )
        for user in access.members_acting_on(referral, agency_id=referral.to_agency_id, roles=RECEIVING_ROLES)
    )
