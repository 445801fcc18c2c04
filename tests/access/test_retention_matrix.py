"""The access matrix of the retention register (issue 18 item 9): which cases each role finds by number in it (the
data-protection officer, her jurisdiction's, to hold them), which legal holds it reads and lifts, who reads the
runs; and that the officer still reads no case, no person, no note. A row here is a specification."""

import pytest

from agencies import access
from agencies.models import Agency, ApiClient, RetentionRun, Role
from cases import retention
from cases.models import Case, CaseNote, LegalHold, Person, RetentionCase
from tests.agencies.factories import AgencyFactory, ApiClientFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory, LegalHoldFactory

K = Agency.Kind
AGENCIES = {
    "kemensos": (K.MINISTRY, "31"),
    "jateng": (K.SOCIAL_SERVICE_PROVINCE, "33"),
    "semarang": (K.SOCIAL_SERVICE_DISTRICT, "33.74"),
    "purbalingga": (K.SOCIAL_SERVICE_DISTRICT, "33.03"),
    "lentera": (K.NGO, "33.74"),
    "banyuwangi": (K.SOCIAL_SERVICE_DISTRICT, "35.10"),
}
CASES = {"semarang_case": "semarang", "purbalingga_case": "purbalingga", "banyuwangi_case": "banyuwangi"}
IN_JATENG = frozenset({"semarang_case", "purbalingga_case"})
ALL = frozenset(CASES)
NOTHING = frozenset()

ACTORS = {
    "dpo_province": (Role.DATA_PROTECTION_OFFICER, "jateng", None),
    "dpo_district": (Role.DATA_PROTECTION_OFFICER, "semarang", None),
    "dpo_ministry": (Role.DATA_PROTECTION_OFFICER, "kemensos", None),
    "auditor": (Role.AUDITOR, "jateng", None),
    "province_staff": (Role.PROVINCE_STAFF, "jateng", None),
    "district_staff": (Role.DISTRICT_STAFF, "semarang", None),
    "finance_approver": (Role.FINANCE_APPROVER, "semarang", None),
    "ngo_caseworker": (Role.NGO_CASEWORKER, "lentera", None),
    "leadership_viewer": (Role.LEADERSHIP_VIEWER, "kemensos", None),
    "ngo_client_rw": (None, "lentera", ApiClient.Scope.READ_WRITE),
}

# actor: (cases found in the register, cases that may be held; holds read, holds lifted; runs read)
MATRIX = {
    "dpo_province": (IN_JATENG, IN_JATENG, IN_JATENG, IN_JATENG, True),
    "dpo_district": ({"semarang_case"}, {"semarang_case"}, {"semarang_case"}, {"semarang_case"}, True),
    "dpo_ministry": (ALL, ALL, ALL, ALL, True),
    "auditor": (NOTHING, NOTHING, IN_JATENG, NOTHING, True),
    "province_staff": (NOTHING, NOTHING, NOTHING, NOTHING, False),
    "district_staff": (NOTHING, NOTHING, NOTHING, NOTHING, False),
    "finance_approver": (NOTHING, NOTHING, NOTHING, NOTHING, False),
    "ngo_caseworker": (NOTHING, NOTHING, NOTHING, NOTHING, False),
    "leadership_viewer": (NOTHING, NOTHING, NOTHING, NOTHING, False),
    "ngo_client_rw": (NOTHING, NOTHING, NOTHING, NOTHING, False),
}


@pytest.fixture
def world(db):
    agencies = {
        key: AgencyFactory(name=key, kind=kind, region=RegionFactory(code=code))
        for key, (kind, code) in AGENCIES.items()
    }
    for number, owner in CASES.items():
        case = CaseFactory(number=number, owner=agencies[owner])
        CaseNote.objects.create(case=case, body="Catatan", agency=case.owner)
        LegalHoldFactory(case=case)
    retention.retention_run()
    actors = {}
    for name, (role, agency_key, scope) in ACTORS.items():
        if scope is None:
            actors[name] = MembershipFactory(role=role, agency=agencies[agency_key]).user
        else:
            actors[name] = ApiClientFactory(agency=agencies[agency_key], scope=scope)
    return actors


def test_the_matrix_covers_every_actor():
    assert set(MATRIX) == set(ACTORS)


@pytest.mark.parametrize("actor", sorted(MATRIX))
def test_the_retention_register_per_role(world, actor):
    found, holdable, holds_read, holds_lifted, runs_read = MATRIX[actor]
    who = world[actor]

    assert {c.number for c in access.visible_to(who, RetentionCase)} == set(found)
    assert {c.number for c in access.changeable_by(who, RetentionCase)} == set(holdable)
    assert {h.case.number for h in access.visible_to(who, LegalHold)} == set(holds_read)
    assert {h.case.number for h in access.changeable_by(who, LegalHold)} == set(holds_lifted)
    assert access.visible_to(who, RetentionRun).exists() == runs_read


@pytest.mark.parametrize("actor", ["dpo_province", "dpo_district", "dpo_ministry"])
def test_the_officer_reads_no_case_content(world, actor):
    for model in (Case, Person, CaseNote):
        assert not access.visible_to(world[actor], model).exists(), model
