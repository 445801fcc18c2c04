"""Who sees and changes sites, persons, cases and everything hanging off a case (DESIGN §5, issue 3)."""

from django.db.models import Exists, OuterRef, Q

from agencies.models import Role
from agencies.rulebook import (
    every_role,
    everything,
    jurisdiction,
    own_agency,
    register,
    register_following,
    within_own_region,
)

from .models import (
    Assessment,
    Case,
    CaseNote,
    CaseNumberSequence,
    Consent,
    CorrectionRequest,
    LegalHold,
    Person,
    PossibleDuplicate,
    Referral,
    Restriction,
    RetentionCase,
    Site,
    SiteCount,
    StageChange,
    SubjectAccessRequest,
    TargetGroup,
    Transfer,
)


def accepted_referral_to_own_agency(grant) -> Q:
    # An accepted referral opens the case to the receiving agency, and nothing else (issue 3 §5), and only
    # while the person's consent to share with that agency holds: withdrawing it closes the view at once.
    consented = Consent.objects.current_sharing(OuterRef("case__person"), OuterRef("to_agency"))
    # A restriction of processing in force closes it as well (cases/privacy.py).
    restricted = Restriction.objects.filter(lifted_at__isnull=True, person=OuterRef("case__person"))
    referred = (
        Referral.objects.filter(to_agency=grant.agency, status=Referral.Status.ACCEPTED)
        .filter(Exists(consented))
        .exclude(Exists(restricted))
    )
    return Q(pk__in=referred.values("case"))


def registered_by_own_agency_unrestricted(grant) -> Q:
    # The registering NGO is another agency than the owning office: a restriction of processing stops its reads
    # (its API pages leave her case out; her case answers 404, as any case out of scope).
    return Q(registered_by=grant.agency) & ~Q(
        Exists(Restriction.objects.filter(lifted_at__isnull=True, person=OuterRef("person")))
    )


def registered_by_own_agency_or_referred(grant) -> Q:
    return registered_by_own_agency_unrestricted(grant) | accepted_referral_to_own_agency(grant)


def owned_or_referred(grant) -> Q:
    return Q(owner=grant.agency) | accepted_referral_to_own_agency(grant)


def _unrestricted_case_person() -> Q:
    return ~Q(Exists(Restriction.objects.filter(lifted_at__isnull=True, person=OuterRef("case__person"))))


def received_unrestricted(grant) -> Q:
    # The receiving end of a referral reads it (its case number, its reason) only while the person's processing is
    # not restricted (cases/privacy.py): a restriction takes it out of their inbox and their API, unexplained.
    return Q(to_agency=grant.agency) & _unrestricted_case_person()


received_unrestricted.description = "to_agency is the own agency, the person's processing not restricted"


def sent_or_received(grant) -> Q:
    return Q(from_agency=grant.agency) | received_unrestricted(grant)


def sent_or_received_in_jurisdiction(grant) -> Q:
    return jurisdiction("from_agency")(grant) | (jurisdiction("to_agency")(grant) & _unrestricted_case_person())


register(TargetGroup, see=every_role(everything))
register(CaseNumberSequence, see={})  # internal: read and written only under lock by case_register

# Places and headcounts hold no personal data. Offices and NGOs keep the sites of the region they serve.
register(
    Site,
    see=every_role(everything),
    change={
        Role.PROVINCE_STAFF: within_own_region(),
        Role.DISTRICT_STAFF: within_own_region(),
        Role.NGO_CASEWORKER: within_own_region(),
    },
)
register(
    SiteCount,
    see=every_role(everything),
    change={role: own_agency("counted_by") for role in (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER)},
)

register(
    Case,
    see={
        Role.PROVINCE_STAFF: jurisdiction("owner"),
        Role.AUDITOR: jurisdiction("owner"),
        Role.DISTRICT_STAFF: owned_or_referred,
        Role.NGO_CASEWORKER: registered_by_own_agency_or_referred,
        Role.PARTNER_TRAINER: accepted_referral_to_own_agency,
    },
    change={
        Role.DISTRICT_STAFF: own_agency("owner"),
        Role.NGO_CASEWORKER: registered_by_own_agency_or_referred,
    },
)

# Everything about a person or a case is seen and changed by exactly those who see and change the case.
register_following(Person, Case, parent_field="person")
register_following(Consent, Person, child_field="person")
register_following(PossibleDuplicate, Person, child_field="person")
for model in (Assessment, CaseNote, StageChange, Transfer):
    register_following(model, Case, child_field="case")

# Both ends of a referral see it: the receiving agency must read it to decide, before it sees the case.
register(
    Referral,
    see={
        Role.PROVINCE_STAFF: sent_or_received_in_jurisdiction,
        Role.AUDITOR: sent_or_received_in_jurisdiction,
        Role.DISTRICT_STAFF: sent_or_received,
        Role.NGO_CASEWORKER: sent_or_received,
        Role.PARTNER_TRAINER: received_unrestricted,
    },
    change={
        Role.DISTRICT_STAFF: sent_or_received,
        Role.NGO_CASEWORKER: sent_or_received,
        Role.PARTNER_TRAINER: received_unrestricted,
    },
)

# The retention register (issue 18 item 9): the data-protection officer finds a case of her jurisdiction by its number
# and places or lifts a legal hold on it, reading its number, owning office and closure only (RetentionCase is Case's
# proxy: the same rows, no content shown); auditors read the holds. Nobody else.
register(
    RetentionCase,
    see={Role.DATA_PROTECTION_OFFICER: jurisdiction("owner")},
    change={Role.DATA_PROTECTION_OFFICER: jurisdiction("owner")},
)
register(
    LegalHold,
    see={Role.DATA_PROTECTION_OFFICER: jurisdiction("case__owner"), Role.AUDITOR: jurisdiction("case__owner")},
    change={Role.DATA_PROTECTION_OFFICER: jurisdiction("case__owner")},
)


def about_a_person_owned_in_jurisdiction(grant) -> Q:
    # A subject-access request belongs to the data-protection officer of every office whose jurisdiction owns one
    # of her cases (a case transferred away keeps its old requests with the office that handled them only while
    # it still owns one). Only the request row: her data reaches the officer inside the bundle alone
    # (agencies.access.subject_rows_for_request), never through Case or Person, which the officer does not see.
    owned = Case.objects.filter(jurisdiction("owner")(grant), person=OuterRef("person"))
    return Q(Exists(owned))


# Subject-access requests (UU 27/2022, issue 18): the data-protection officer alone, for her jurisdiction's people.
# No other role sees them, not even the office's own staff: a request to see one's file is itself personal.
register(
    SubjectAccessRequest,
    see={Role.DATA_PROTECTION_OFFICER: about_a_person_owned_in_jurisdiction},
    change={Role.DATA_PROTECTION_OFFICER: about_a_person_owned_in_jurisdiction},
)


# A person's data-protection requests (issue 18): the data-protection officer of the owning office's jurisdiction
# handles them, seeing the request (the one field under correction) and not the case; the owning office's staff
# record requests received at their desk and follow them; the province and auditors read them. Deciding a request
# and restricting are the officer's alone, whatever "change" lets others do (cases.privacy, the services).
PRIVACY_REQUESTS_SEEN = {
    Role.DATA_PROTECTION_OFFICER: jurisdiction("case__owner"),
    Role.AUDITOR: jurisdiction("case__owner"),
    Role.PROVINCE_STAFF: jurisdiction("case__owner"),
    Role.DISTRICT_STAFF: own_agency("case__owner"),
}
register(
    CorrectionRequest,
    see=PRIVACY_REQUESTS_SEEN,
    change={Role.DATA_PROTECTION_OFFICER: jurisdiction("case__owner"), Role.DISTRICT_STAFF: own_agency("case__owner")},
)
register(Restriction, see=PRIVACY_REQUESTS_SEEN, change={Role.DATA_PROTECTION_OFFICER: jurisdiction("case__owner")})
