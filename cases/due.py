"""What case work waits for someone: each kind defined once, read by the emails (cases.reminders), by the admin
home's "My work" (cases.work) and by the admin lists it links to (cases.admin). Always through agencies.access."""

from django.db.models import Q, QuerySet

from agencies import access
from agencies.models import Role
from agencies.rulebook import jurisdiction

from .models import Case, PossibleDuplicate, Referral

# Who acts on a referral that arrives: the people who work cases, not leadership, auditors or finance, and of those
# only whom the access rule lets answer it (a province office's staff may not).
RECEIVING_ROLES = (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER, Role.PARTNER_TRAINER, Role.PROVINCE_STAFF)
# Who reviews possible duplicates and works cases of their own: the case-working roles.
CASE_WORKING_ROLES = (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER)


def referrals_waiting(actor) -> QuerySet[Referral]:
    """Referrals addressed to one of `actor`'s agencies, not answered yet, that `actor` may answer: exactly those
    whose arrival email (cases.reminders.referral_received_notify) was sent to them."""
    agencies = [g.agency for g in access.grants_of(actor) if g.role in RECEIVING_ROLES]
    return access.changeable_by(actor, Referral).filter(status=Referral.Status.PENDING, to_agency__in=agencies)


def referrals_waiting_in_area(actor) -> QuerySet[Referral]:
    """For province staff: referrals not answered yet by any office within their province (they may not answer
    them; they see what waits across their districts)."""
    grants = [g for g in access.grants_of(actor) if g.role == Role.PROVINCE_STAFF]
    if not grants:
        return Referral.objects.none()
    area = Q(pk__in=[])
    for grant in grants:
        area |= jurisdiction("to_agency")(grant)
    return access.visible_to(actor, Referral).filter(area, status=Referral.Status.PENDING)


def referrals_sent(actor) -> QuerySet[Referral]:
    """Referrals made by one of `actor`'s agencies where they work cases, that `actor` sees: where the referrer reads
    the answer (its status and the reason for declining)."""
    agencies = [g.agency for g in access.grants_of(actor) if g.role in CASE_WORKING_ROLES]
    return access.visible_to(actor, Referral).filter(from_agency__in=agencies)


def referrals_answered(actor, since) -> QuerySet[Referral]:
    """Referrals of `actor`'s agencies answered (accepted or declined) since `since`: what the referrers' emails
    (cases.reminders.referral_answered_notify) told them of."""
    return referrals_sent(actor).filter(decided_at__gte=since)


def duplicates_to_review(actor) -> QuerySet[PossibleDuplicate]:
    """Possible duplicates flagged and not reviewed yet, of persons `actor` sees."""
    return access.visible_to(actor, PossibleDuplicate).filter(status=PossibleDuplicate.Status.OPEN)


def my_open_cases(actor) -> QuerySet[Case]:
    """The cases `actor` is the caseworker of, that they see, not closed."""
    return access.visible_to(actor, Case).filter(caseworker=actor).exclude(stage=Case.Stage.CLOSED)
