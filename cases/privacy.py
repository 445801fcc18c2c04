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
- reminders: no email about her case is composed (cases.reminders, programs.reminders, funding.reminders), and one
  written before the restriction and still in the outbox is skipped when it comes to be sent (`withheld_subjects`);
  a referral of hers still waiting for an answer is withdrawn when the restriction starts
  (cases.services.restrictions);
- exports: case lists leave her rows out and count what they left out (cases.exports, agencies.exports).
The owning office, its province and the auditors still read the record; the aggregate figures still count her
(anonymous, small cells suppressed).
"""

from django.apps import apps
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value

from agencies import access, notifications
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


# Which person an email's subject ("programs.followup:12") is about: the model's label → the field path from its row
# to the person. Declared by the app that writes emails about that model (its reminders module).
SUBJECT_PERSONS: dict[str, str] = {}


def subject_person(label: str, person: str) -> None:
    """Declare that emails whose subject is a `label` row (e.g. "cases.referral") are about the person at `person`."""
    SUBJECT_PERSONS[label.lower()] = person


@notifications.withholder
def withheld_subjects(subjects: set[str]) -> set[str]:
    """Of these emails' subjects, those about a person whose processing is restricted now: one query for them all
    (a UNION of one arm per model), however many subjects a delivery batch holds."""
    pks: dict[str, list[int]] = {}
    for subject in subjects:
        label, _sep, pk = subject.partition(":")
        if label.lower() in SUBJECT_PERSONS and pk.isdigit():
            pks.setdefault(label.lower(), []).append(int(pk))
    arms = [
        apps.get_model(label)
        .objects.filter(restricted(SUBJECT_PERSONS[label]), pk__in=ids)
        .annotate(subject_label=Value(label, output_field=CharField()))
        .values_list("subject_label", "pk")
        .order_by()
        for label, ids in sorted(pks.items())
    ]
    if not arms:
        return set()
    rows = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
    return {f"{label}:{pk}" for label, pk in rows}
