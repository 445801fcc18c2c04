"""A person's data-protection rights on her record (UU 27/2022, issue 18 item 8): who handles them, and where a
restriction of processing is enforced.

Who: the data-protection officer whose jurisdiction covers the case's owning office decides corrections and
restricts or lifts; the owning office's district staff may record a correction request received at their desk.

Where a restriction in force stops the person's data leaving the owning office (each a test in
tests/cases/test_restriction.py):
- sharing: a referral (and so a transfer) to another agency is refused (cases.services.referrals); an accepted
  referral or an NGO's registration no longer opens her case, a referral sent to another agency leaves its inbox
  (cases.access_rules), and a partner's roster loses her name (programs.access_rules): other agencies' lists and
  API pages leave her rows out, and her rows answer 404 to them, as any row out of scope does, so they do not
  learn she is restricted;
- reminders: no email about her case is composed (cases.reminders, programs.reminders, funding.reminders);
- exports: case lists leave her rows out and count what they left out (cases.exports, agencies.exports).
The owning office, its province and the auditors still read the record; the aggregate figures still count her
(anonymous, small cells suppressed).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies import access
from agencies.models import Role
from agencies.rulebook import Grant, jurisdiction

from .models import Case, Restriction

OFFICER_ROLES = (Role.DATA_PROTECTION_OFFICER,)
# Who records a correction request received at the office's desk.
DESK_ROLES = (Role.DISTRICT_STAFF,)


def restricted(person: str = "person") -> Q:
    """Rows whose person (the field path `person` from the row, e.g. "case__person") has a restriction in force."""
    return Q(Exists(Restriction.objects.in_force().filter(person=OuterRef(person))))


def unrestricted(person: str = "person") -> Q:
    """Rows whose person has no restriction in force."""
    return ~restricted(person)


def is_restricted(person_id: int) -> bool:
    """Whether the person `person_id` has a restriction in force."""
    return Restriction.objects.in_force().filter(person_id=person_id).exists()


def restriction_of(person_id: int) -> Restriction | None:
    """The restriction in force on the person `person_id`, if any."""
    return Restriction.objects.in_force().filter(person_id=person_id).select_related("restricted_by").first()


def officer_grants(actor) -> list[Grant]:
    """`actor`'s writable grants as a data-protection officer."""
    return [g for g in access.grants_of(actor) if g.role in OFFICER_ROLES and g.may_write]


def officer_cases(actor) -> QuerySet[Case]:
    """The cases whose owning office lies in the jurisdiction of one of `actor`'s officer grants: what the officer
    handles requests about. Never shown as rows (the officer reads no case content): only to find the case a
    request names by its number, and to check the officer's reach."""
    grants = officer_grants(actor)
    if not grants:
        return Case.objects.none()
    reach = Q(pk__in=[])
    for grant in grants:
        reach |= jurisdiction("owner")(grant)
    return Case.objects.filter(reach)


def is_officer_for(actor, case: Case) -> bool:
    """Whether `actor` is a data-protection officer whose jurisdiction covers `case`'s owning office."""
    return officer_cases(actor).filter(pk=case.pk).exists()


def records_at_desk(actor, case: Case, *, may_change: bool) -> bool:
    """Whether `actor`, who may (`may_change`) or may not change `case` as the case page already asked, records
    correction requests about it at the owning office's desk: without another question to the database."""
    return may_change and any(
        g.role in DESK_ROLES and g.may_write and g.agency.pk == case.owner_id for g in access.grants_of(actor)
    )


def desk_grant(actor, case: Case) -> Grant | None:
    """The grant under which `actor` records a request about `case` at the owning office's desk, if any."""
    return access.acting_grant(actor, case, roles=DESK_ROLES, agency_id=case.owner_id)
