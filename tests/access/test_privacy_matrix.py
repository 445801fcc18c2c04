"""The access matrix for the privacy registers of issue 18 items 7 and 8 (subject-access and correction requests,
restrictions) and the data-protection officer: for every role, which requests and restrictions it sees and changes;
the officer sees no case and no person."""

import pytest

from agencies import access
from agencies.models import Agency, Role
from cases.models import Case, CorrectionRequest, Person, Restriction, SubjectAccessRequest
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory

K = Agency.Kind

AGENCIES = {
    "kemensos": (K.MINISTRY, "31"),
    "jateng": (K.SOCIAL_SERVICE_PROVINCE, "33"),
    "semarang": (K.SOCIAL_SERVICE_DISTRICT, "33.74"),
    "purbalingga": (K.SOCIAL_SERVICE_DISTRICT, "33.03"),
    "lentera": (K.NGO, "33.74"),
    "dinkes": (K.HEALTH, "33.03"),
    "banyuwangi": (K.SOCIAL_SERVICE_DISTRICT, "35.10"),
}
OWNERS = ("semarang", "purbalingga", "banyuwangi")
JATENG = frozenset({"semarang", "purbalingga"})
ALL = frozenset(OWNERS)
NONE = frozenset()

# actor: (role, agency) -> (requests and restrictions seen, requests changed, restrictions changed), by owning office
MATRIX = {
    "officer_jateng": (Role.DATA_PROTECTION_OFFICER, "jateng", JATENG, JATENG, JATENG),
    "officer_semarang": (Role.DATA_PROTECTION_OFFICER, "semarang", {"semarang"}, {"semarang"}, {"semarang"}),
    "officer_ministry": (Role.DATA_PROTECTION_OFFICER, "kemensos", ALL, ALL, ALL),
    "province_staff": (Role.PROVINCE_STAFF, "jateng", JATENG, NONE, NONE),
    "district_staff": (Role.DISTRICT_STAFF, "semarang", {"semarang"}, {"semarang"}, NONE),
    "auditor": (Role.AUDITOR, "jateng", JATENG, NONE, NONE),
    "finance_approver": (Role.FINANCE_APPROVER, "semarang", NONE, NONE, NONE),
    "ngo_caseworker": (Role.NGO_CASEWORKER, "lentera", NONE, NONE, NONE),
    "partner_trainer": (Role.PARTNER_TRAINER, "dinkes", NONE, NONE, NONE),
    "leadership_viewer": (Role.LEADERSHIP_VIEWER, "kemensos", NONE, NONE, NONE),
}


@pytest.fixture
def world(db):
    agencies = {}
    for key, (kind, code) in AGENCIES.items():
        parent = agencies.get("jateng") if code.startswith("33.") and kind == K.SOCIAL_SERVICE_DISTRICT else None
        agencies[key] = AgencyFactory(name=key, kind=kind, region=RegionFactory(code=code), parent=parent)
    keeper = MembershipFactory(role=Role.DISTRICT_STAFF, agency=agencies["semarang"]).user
    rows = {}
    for owner in OWNERS:
        case = CaseFactory(owner=agencies[owner])
        request = CorrectionRequest.objects.create(
            case=case,
            field=CorrectionRequest.Field.PHONE,
            new_value="0812",
            evidence=CorrectionRequest.Evidence.KTP,
            received_at=case.created_at,
            due_at=case.created_at,
            made_by=keeper,
        )
        restriction = Restriction.objects.create(
            person=case.person, case=case, reason=Restriction.Reason.OBJECTION, restricted_by=keeper
        )
        rows[owner] = (request, restriction)
    return agencies, rows


def _owners(rows, queryset, index) -> set[str]:
    pks = set(queryset.values_list("pk", flat=True))
    return {owner for owner, pair in rows.items() if pair[index].pk in pks}


@pytest.mark.parametrize("actor", list(MATRIX))
def test_each_role_sees_and_changes_the_privacy_registers_of_its_reach(world, actor):
    agencies, rows = world
    role, agency, seen, requests_changed, restrictions_changed = MATRIX[actor]
    user = MembershipFactory(role=role, agency=agencies[agency]).user

    assert _owners(rows, access.visible_to(user, CorrectionRequest), 0) == set(seen)
    assert _owners(rows, access.visible_to(user, Restriction), 1) == set(seen)
    assert _owners(rows, access.changeable_by(user, CorrectionRequest), 0) == set(requests_changed)
    assert _owners(rows, access.changeable_by(user, Restriction), 1) == set(restrictions_changed)


@pytest.mark.parametrize("actor", [a for a, row in MATRIX.items() if row[0] == Role.DATA_PROTECTION_OFFICER])
def test_the_officer_reads_no_case_and_no_person(world, actor):
    agencies, _rows = world
    role, agency, *_ = MATRIX[actor]
    user = MembershipFactory(role=role, agency=agencies[agency]).user

    assert not access.visible_to(user, Case).exists()
    assert not access.visible_to(user, Person).exists()


# Subject-access requests (issue 18 item 7): the officer of the jurisdiction alone; a request to see one's file is
# itself personal, so not even the owning office's staff see it.
SUBJECT_ACCESS = {
    "officer_jateng": JATENG,
    "officer_semarang": {"semarang"},
    "officer_ministry": ALL,
}


@pytest.mark.parametrize("actor", list(MATRIX))
def test_only_the_officer_of_her_jurisdiction_sees_and_handles_her_subject_access_request(world, actor):
    agencies, rows = world
    handler = MembershipFactory(role=Role.DATA_PROTECTION_OFFICER, agency=agencies["kemensos"]).user
    requests = {
        owner: SubjectAccessRequest.objects.create(
            person=pair[0].case.person,
            case_number=pair[0].case.number,
            agency=agencies["kemensos"],
            channel=SubjectAccessRequest.Channel.LETTER,
            received_at=pair[0].case.created_at,
            due_at=pair[0].case.created_at,
            recorded_by=handler,
        )
        for owner, pair in rows.items()
    }
    role, agency, *_ = MATRIX[actor]
    user = MembershipFactory(role=role, agency=agencies[agency]).user
    expected = set(SUBJECT_ACCESS.get(actor, NONE))

    def owners(queryset):
        pks = set(queryset.values_list("pk", flat=True))
        return {owner for owner, request in requests.items() if request.pk in pks}

    assert owners(access.visible_to(user, SubjectAccessRequest)) == expected
    assert owners(access.changeable_by(user, SubjectAccessRequest)) == expected
