"""The access matrix for persons, cases and what hangs off them (DESIGN §5, issue 3).

One world of two provinces. For every role and kind of API client: exactly which cases (and so which persons,
notes, assessments, consents) are visible and changeable, and which referrals each end sees.
"""

import datetime

import pytest

from agencies import access
from agencies.models import Agency, ApiClient, Role
from cases.models import Assessment, Case, CaseNote, Consent, Person, Referral, Site, StageChange
from tests.agencies.factories import AgencyFactory, ApiClientFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory, ConsentFactory, ReferralFactory, SiteFactory

K = Agency.Kind

AGENCIES = {
    "jateng": (K.SOCIAL_SERVICE_PROVINCE, "33"),
    "semarang": (K.SOCIAL_SERVICE_DISTRICT, "33.74"),
    "purbalingga": (K.SOCIAL_SERVICE_DISTRICT, "33.03"),
    "lentera": (K.NGO, "33.74"),
    "dinkes": (K.HEALTH, "33.03"),
    "banyuwangi": (K.SOCIAL_SERVICE_DISTRICT, "35.10"),
    "bina_sehat": (K.NGO, "35.10"),
    "kemensos": (K.MINISTRY, "31"),
    "polres_kotim": (K.POLICE, "62.02"),
}

# case key: (owner, registered by)
CASES = {
    "semarang_by_lentera": ("semarang", "lentera"),
    "semarang_own": ("semarang", "semarang"),
    "purbalingga_own": ("purbalingga", "purbalingga"),
    "banyuwangi_by_bina": ("banyuwangi", "bina_sehat"),
    # referred by Purbalingga to Dinkes (accepted, consent held) and to Lentera (pending)
    "purbalingga_referred": ("purbalingga", "purbalingga"),
    # referred by Banyuwangi to Semarang (accepted) but the person withdrew the sharing consent
    "banyuwangi_withdrawn": ("banyuwangi", "banyuwangi"),
}
ALL = frozenset(CASES)
IN_JATENG = frozenset({"semarang_by_lentera", "semarang_own", "purbalingga_own", "purbalingga_referred"})
NOTHING = frozenset()

ACTORS = {
    "province_staff": (Role.PROVINCE_STAFF, "jateng", None),
    "district_staff": (Role.DISTRICT_STAFF, "semarang", None),
    "finance_approver": (Role.FINANCE_APPROVER, "semarang", None),
    "ngo_caseworker": (Role.NGO_CASEWORKER, "lentera", None),
    "partner_trainer": (Role.PARTNER_TRAINER, "dinkes", None),
    "leadership_viewer": (Role.LEADERSHIP_VIEWER, "kemensos", None),
    "auditor": (Role.AUDITOR, "jateng", None),
    "ministry_auditor": (Role.AUDITOR, "kemensos", None),
    # reads the trail of its jurisdiction, never case content (issue 18 item 11)
    "data_protection_officer": (Role.DATA_PROTECTION_OFFICER, "jateng", None),
    "ministry_data_protection_officer": (Role.DATA_PROTECTION_OFFICER, "kemensos", None),
    "other_province_staff": (Role.DISTRICT_STAFF, "banyuwangi", None),
    "ngo_client_rw": (None, "lentera", ApiClient.Scope.READ_WRITE),
    "ngo_client_read": (None, "lentera", ApiClient.Scope.READ),
    "partner_client": (None, "polres_kotim", ApiClient.Scope.READ_WRITE),
}

# actor: (cases visible, cases changeable)
CASE_MATRIX = {
    "province_staff": (IN_JATENG, NOTHING),
    "district_staff": ({"semarang_by_lentera", "semarang_own"}, {"semarang_by_lentera", "semarang_own"}),
    "finance_approver": (NOTHING, NOTHING),
    "ngo_caseworker": ({"semarang_by_lentera"}, {"semarang_by_lentera"}),
    "partner_trainer": ({"purbalingga_referred"}, NOTHING),
    "leadership_viewer": (NOTHING, NOTHING),
    "auditor": (IN_JATENG, NOTHING),
    "ministry_auditor": (ALL, NOTHING),
    "data_protection_officer": (NOTHING, NOTHING),
    "ministry_data_protection_officer": (NOTHING, NOTHING),
    "other_province_staff": (
        {"banyuwangi_by_bina", "banyuwangi_withdrawn"},
        {"banyuwangi_by_bina", "banyuwangi_withdrawn"},
    ),
    "ngo_client_rw": ({"semarang_by_lentera"}, {"semarang_by_lentera"}),
    "ngo_client_read": ({"semarang_by_lentera"}, NOTHING),
    "partner_client": (NOTHING, NOTHING),
}

# actor: referrals visible (by case key), changeable
REFERRAL_MATRIX = {
    # a province sees referrals sent from or to its agencies, here also Banyuwangi's to Semarang
    "province_staff": ({"purbalingga_referred", "banyuwangi_withdrawn"}, NOTHING),
    "district_staff": ({"banyuwangi_withdrawn"}, {"banyuwangi_withdrawn"}),
    "finance_approver": (NOTHING, NOTHING),
    "ngo_caseworker": ({"purbalingga_referred"}, {"purbalingga_referred"}),
    "partner_trainer": ({"purbalingga_referred"}, {"purbalingga_referred"}),
    "leadership_viewer": (NOTHING, NOTHING),
    "auditor": ({"purbalingga_referred", "banyuwangi_withdrawn"}, NOTHING),
    "ministry_auditor": ({"purbalingga_referred", "banyuwangi_withdrawn"}, NOTHING),
    "data_protection_officer": (NOTHING, NOTHING),
    "ministry_data_protection_officer": (NOTHING, NOTHING),
    "other_province_staff": ({"banyuwangi_withdrawn"}, {"banyuwangi_withdrawn"}),
    "ngo_client_rw": ({"purbalingga_referred"}, {"purbalingga_referred"}),
    "ngo_client_read": ({"purbalingga_referred"}, NOTHING),
    "partner_client": (NOTHING, NOTHING),
}


@pytest.fixture
def world(db):
    agencies = {
        key: AgencyFactory(name=key, kind=kind, region=RegionFactory(code=code))
        for key, (kind, code) in AGENCIES.items()
    }
    cases = {}
    for key, (owner, registered_by) in CASES.items():
        case = CaseFactory(number=key, owner=agencies[owner], registered_by=agencies[registered_by])
        CaseNote.objects.create(case=case, body="Catatan", agency=case.owner)
        Assessment.objects.create(case=case, assessed_on=datetime.date(2026, 10, 1))
        StageChange.objects.create(case=case, to_stage=case.stage)
        cases[key] = case

    referred = cases["purbalingga_referred"]
    ConsentFactory(person=referred.person, agency=agencies["dinkes"])
    ConsentFactory(person=referred.person, agency=agencies["lentera"])
    ReferralFactory(case=referred, to_agency=agencies["dinkes"], status=Referral.Status.ACCEPTED)
    ReferralFactory(case=referred, to_agency=agencies["lentera"])

    withdrawn = cases["banyuwangi_withdrawn"]
    ConsentFactory(
        person=withdrawn.person,
        agency=agencies["semarang"],
        given_on=datetime.date(2026, 1, 1),
        withdrawn_on=datetime.date(2026, 2, 1),
    )
    ReferralFactory(case=withdrawn, to_agency=agencies["semarang"], status=Referral.Status.ACCEPTED)

    actors = {}
    for name, (role, agency_key, scope) in ACTORS.items():
        if scope is None:
            actors[name] = MembershipFactory(role=role, agency=agencies[agency_key]).user
        else:
            actors[name] = ApiClientFactory(agency=agencies[agency_key], scope=scope)
    return cases, actors


def _numbers(rows, to_case=lambda row: row):
    return {to_case(row).number for row in rows}


def test_the_matrices_cover_every_actor():
    assert set(CASE_MATRIX) == set(REFERRAL_MATRIX) == set(ACTORS)


@pytest.mark.parametrize("actor", sorted(CASE_MATRIX))
def test_cases_visible_and_changeable(world, actor):
    _, actors = world
    visible, changeable = CASE_MATRIX[actor]

    assert _numbers(access.visible_to(actors[actor], Case)) == set(visible)
    assert _numbers(access.changeable_by(actors[actor], Case)) == set(changeable)


@pytest.mark.parametrize("actor", sorted(CASE_MATRIX))
@pytest.mark.parametrize(
    ("model", "case_of"),
    [
        (Person, lambda person: person.cases.get()),
        (CaseNote, lambda note: note.case),
        (Assessment, lambda assessment: assessment.case),
        (StageChange, lambda change: change.case),
        (Consent, lambda consent: consent.person.cases.get()),
    ],
    ids=["person", "note", "assessment", "stage-change", "consent"],
)
def test_everything_about_a_case_follows_the_case(world, actor, model, case_of):
    _, actors = world
    visible, changeable = CASE_MATRIX[actor]
    with_rows = {case_of(row).number for row in model.objects.all()}

    assert _numbers(access.visible_to(actors[actor], model), case_of) == set(visible) & with_rows
    assert _numbers(access.changeable_by(actors[actor], model), case_of) == set(changeable) & with_rows


@pytest.mark.parametrize("actor", sorted(REFERRAL_MATRIX))
def test_referrals_are_seen_by_both_ends(world, actor):
    _, actors = world
    visible, changeable = REFERRAL_MATRIX[actor]

    assert _numbers(access.visible_to(actors[actor], Referral), lambda r: r.case) == set(visible)
    assert _numbers(access.changeable_by(actors[actor], Referral), lambda r: r.case) == set(changeable)


def test_lists_never_repeat_a_case_reached_through_several_grants(world):
    cases, actors = world
    person = actors["district_staff"]
    MembershipFactory(user=person, role=Role.AUDITOR, agency=AgencyFactory(province_office=True))
    MembershipFactory(user=person, role=Role.DISTRICT_STAFF, agency=cases["purbalingga_own"].owner)

    numbers = list(access.visible_to(person, Case).values_list("number", flat=True))

    assert sorted(numbers) == sorted(IN_JATENG)


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_sites_are_public_directory_data(world, actor):
    _, actors = world
    SiteFactory()

    assert access.visible_to(actors[actor], Site).count() == Site.objects.count()


def test_sites_are_changed_by_the_offices_and_ngos_of_their_region(world):
    _, actors = world
    semarang_site = SiteFactory(region=RegionFactory(code="33.74.01"))
    banyuwangi_site = SiteFactory(region=RegionFactory(code="35.10"))

    assert set(access.changeable_by(actors["district_staff"], Site)) == {semarang_site}
    assert set(access.changeable_by(actors["ngo_caseworker"], Site)) == {semarang_site}
    assert set(access.changeable_by(actors["province_staff"], Site)) == {semarang_site}
    assert set(access.changeable_by(actors["other_province_staff"], Site)) == {banyuwangi_site}
    assert not access.changeable_by(actors["partner_trainer"], Site).exists()
