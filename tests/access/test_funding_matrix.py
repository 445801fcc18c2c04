"""The access matrix for money (DESIGN §5, issue 5 §8).

Three budgets: Kota Semarang's own APBD, the Central Java province's APBD set aside for Purbalingga, and
Banyuwangi's (East Java). One case in each district with an entitlement and a requested disbursement; the Semarang
case was registered by Yayasan Lentera and sits on the roster of a batch where the police teach a session.
Budgets hold no personal data; money about a case is seen with the case, and by the finance approvers of its
jurisdiction; it is changed only by the owning office (requests) and those approvers (decisions). The ledger is
changed by nobody.
"""

import datetime

import pytest

from agencies import access
from agencies.models import Agency, Role
from cases.models import Case
from funding import services
from funding.models import Allocation, Disbursement, Entitlement, FundingSource, LedgerEntry
from programs.models import Batch, Enrollment, Program, Session
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory
from tests.funding.factories import AllocationFactory, BenefitFactory, FundingSourceFactory, this_year

pytestmark = pytest.mark.django_db

K = Agency.Kind
DAY = datetime.date(this_year(), 1, 15)

AGENCIES = {
    "jateng": (K.SOCIAL_SERVICE_PROVINCE, "33"),
    "semarang": (K.SOCIAL_SERVICE_DISTRICT, "33.74"),
    "purbalingga": (K.SOCIAL_SERVICE_DISTRICT, "33.03"),
    "jatim": (K.SOCIAL_SERVICE_PROVINCE, "35"),
    "banyuwangi": (K.SOCIAL_SERVICE_DISTRICT, "35.10"),
    "lentera": (K.NGO, "33.74"),
    "polres": (K.POLICE, "33.74"),
    "kemensos": (K.MINISTRY, "31"),
}

ACTORS = {
    "province_staff": (Role.PROVINCE_STAFF, "jateng"),
    "owner_district_staff": (Role.DISTRICT_STAFF, "semarang"),
    "other_district_staff": (Role.DISTRICT_STAFF, "purbalingga"),
    "owner_finance_approver": (Role.FINANCE_APPROVER, "semarang"),
    "other_province_finance_approver": (Role.FINANCE_APPROVER, "jatim"),
    "registering_ngo_caseworker": (Role.NGO_CASEWORKER, "lentera"),
    "partner_trainer": (Role.PARTNER_TRAINER, "polres"),
    "leadership_viewer": (Role.LEADERSHIP_VIEWER, "kemensos"),
    "province_auditor": (Role.AUDITOR, "jateng"),
    "province_data_protection_officer": (Role.DATA_PROTECTION_OFFICER, "jateng"),
}

# Budgets by their holder: (source holder, district the allocation is for)
BUDGETS = {"semarang": ("semarang", "semarang"), "jateng": ("jateng", "purbalingga"), "banyuwangi": ("banyuwangi",) * 2}
# Cases by number: (owner, budget paying for it)
SEMARANG, PURBALINGGA, BANYUWANGI = "33.74-1", "33.03-1", "35.10-1"
CASES = {SEMARANG: ("semarang", "semarang"), PURBALINGGA: ("purbalingga", "jateng"), BANYUWANGI: ("banyuwangi",) * 2}

NOTHING = frozenset()
ALL_BUDGETS = frozenset(BUDGETS)

# actor: {model: (visible, changeable)}; budgets by name (ledger rows by their allocation), money by case number
MATRIX = {
    "province_staff": {
        FundingSource: ({"semarang", "jateng"}, {"semarang", "jateng"}),
        Allocation: ({"semarang", "jateng"}, {"semarang", "jateng"}),
        LedgerEntry: ({"semarang", "jateng"}, NOTHING),
        Entitlement: ({SEMARANG, PURBALINGGA}, NOTHING),
        Disbursement: ({SEMARANG, PURBALINGGA}, NOTHING),
    },
    "owner_district_staff": {
        FundingSource: ({"semarang"}, {"semarang"}),
        Allocation: ({"semarang"}, {"semarang"}),
        LedgerEntry: ({"semarang"}, NOTHING),
        Entitlement: ({SEMARANG}, {SEMARANG}),
        Disbursement: ({SEMARANG}, {SEMARANG}),
    },
    "other_district_staff": {
        FundingSource: (NOTHING, NOTHING),
        Allocation: ({"jateng"}, NOTHING),  # the province's money set aside for them, not theirs to change
        LedgerEntry: ({"jateng"}, NOTHING),
        Entitlement: ({PURBALINGGA}, {PURBALINGGA}),
        Disbursement: ({PURBALINGGA}, {PURBALINGGA}),
    },
    "owner_finance_approver": {
        FundingSource: ({"semarang"}, NOTHING),
        Allocation: ({"semarang"}, NOTHING),
        LedgerEntry: ({"semarang"}, NOTHING),
        Entitlement: ({SEMARANG}, NOTHING),
        Disbursement: ({SEMARANG}, {SEMARANG}),
    },
    "other_province_finance_approver": {
        FundingSource: ({"banyuwangi"}, NOTHING),
        Allocation: ({"banyuwangi"}, NOTHING),
        LedgerEntry: ({"banyuwangi"}, NOTHING),
        Entitlement: ({BANYUWANGI}, NOTHING),
        Disbursement: ({BANYUWANGI}, {BANYUWANGI}),
    },
    "registering_ngo_caseworker": {
        FundingSource: (NOTHING, NOTHING),
        Allocation: (NOTHING, NOTHING),
        LedgerEntry: (NOTHING, NOTHING),
        Entitlement: ({SEMARANG}, NOTHING),
        Disbursement: ({SEMARANG}, NOTHING),
    },
    "partner_trainer": dict.fromkeys(
        (FundingSource, Allocation, LedgerEntry, Entitlement, Disbursement), (NOTHING,) * 2
    ),
    "leadership_viewer": {
        FundingSource: (ALL_BUDGETS, NOTHING),
        Allocation: (ALL_BUDGETS, NOTHING),
        LedgerEntry: (ALL_BUDGETS, NOTHING),
        Entitlement: (NOTHING, NOTHING),  # aggregates only, no personal data
        Disbursement: (NOTHING, NOTHING),
    },
    "province_auditor": {
        FundingSource: ({"semarang", "jateng"}, NOTHING),
        Allocation: ({"semarang", "jateng"}, NOTHING),
        LedgerEntry: ({"semarang", "jateng"}, NOTHING),
        Entitlement: ({SEMARANG, PURBALINGGA}, NOTHING),
        Disbursement: ({SEMARANG, PURBALINGGA}, NOTHING),
    },
    # no money rows, no budgets: the officer reads the registers and the trail (issue 18 item 11)
    "province_data_protection_officer": dict.fromkeys(
        (FundingSource, Allocation, LedgerEntry, Entitlement, Disbursement), (NOTHING,) * 2
    ),
}

LABEL = {
    FundingSource: lambda source: source.name,
    Allocation: lambda allocation: allocation.name,
    LedgerEntry: lambda entry: entry.allocation.name,
    Entitlement: lambda entitlement: entitlement.case.number,
    Disbursement: lambda disbursement: disbursement.installment.entitlement.case.number,
}


@pytest.fixture
def world(db):
    agencies = {
        key: AgencyFactory(name=key, kind=kind, region=RegionFactory(code=code))
        for key, (kind, code) in AGENCIES.items()
    }
    actors = {name: MembershipFactory(role=role, agency=agencies[key]).user for name, (role, key) in ACTORS.items()}
    owners_staff = {
        "semarang": actors["owner_district_staff"],
        "purbalingga": actors["other_district_staff"],
        "banyuwangi": MembershipFactory(role=Role.DISTRICT_STAFF, agency=agencies["banyuwangi"]).user,
    }
    allocations = {}
    for name, (holder, district) in BUDGETS.items():
        program = Program.objects.create(
            name=f"Pelatihan {district}",
            kind=Program.Kind.SKILLS_TRAINING,
            organizer=agencies[district],
            region=agencies[district].region,
            fiscal_year=this_year(),
        )
        source = FundingSourceFactory(name=name, agency=agencies[holder])
        allocations[name] = AllocationFactory(
            name=name, source=source, district=agencies[district], program=program, ceiling=50_000_000
        )
    cases = {}
    for number, (owner, budget) in CASES.items():
        registered_by = agencies["lentera"] if number == SEMARANG else agencies[owner]
        cases[number] = case = CaseFactory(number=number, owner=agencies[owner], registered_by=registered_by)
        allocation = allocations[budget]
        benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)
        entitlement = services.entitlement_create(actor=owners_staff[owner], case=case, benefit=benefit)
        services.disbursement_request(actor=owners_staff[owner], installment=entitlement.installments.first())
    # The police teach a session of the batch the Semarang case is on: its roster, never its money.
    batch = Batch.objects.create(program=allocations["semarang"].program, number=1, starts_on=DAY, ends_on=DAY)
    Session.objects.create(
        batch=batch, date=DAY, topic=Session.Topic.PUBLIC_ORDER, delivering_agency=agencies["polres"]
    )
    Enrollment.objects.create(batch=batch, case=cases[SEMARANG], status="completed", starts_on=DAY, ends_on=DAY)
    return actors


def test_the_matrix_covers_every_actor_and_model():
    assert set(MATRIX) == set(ACTORS)
    assert all(set(row) == set(LABEL) for row in MATRIX.values())


@pytest.mark.parametrize("model", list(LABEL), ids=lambda m: m.__name__)
@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_who_sees_and_changes_money(world, actor, model):
    who = world[actor]
    visible, changeable = MATRIX[actor][model]

    assert {LABEL[model](row) for row in access.visible_to(who, model)} == set(visible)
    assert {LABEL[model](row) for row in access.changeable_by(who, model)} == set(changeable)


def test_a_partner_trainer_sees_the_roster_but_not_the_money_on_it(world):
    trainer = world["partner_trainer"]

    assert [e.case.number for e in access.visible_to(trainer, Enrollment)] == [SEMARANG]
    assert not access.visible_to(trainer, Entitlement).exists()


def test_nobody_may_change_the_ledger(world):
    for actor in world.values():
        assert not access.may_change_any(actor, LedgerEntry)


# A finance approver sees a case only while money of it waits for a decision (DESIGN §5)


def test_a_finance_approver_sees_a_case_of_their_district_while_a_disbursement_waits(world):
    approver = world["owner_finance_approver"]

    assert [c.number for c in access.visible_to(approver, Case)] == [SEMARANG]


def test_a_finance_approver_no_longer_sees_the_case_once_the_disbursement_is_approved(world):
    approver = world["owner_finance_approver"]
    waiting = Disbursement.objects.get(installment__entitlement__case__number=SEMARANG)

    services.disbursement_approve(actor=approver, disbursement=waiting)

    assert not access.visible_to(approver, Case).exists()
    assert list(access.visible_to(approver, Entitlement)) == [waiting.installment.entitlement]  # still its money


def test_a_finance_approver_does_not_see_a_case_of_their_district_with_nothing_waiting(world):
    approver = world["owner_finance_approver"]
    semarang = Agency.objects.get(name="semarang")
    quiet = CaseFactory(owner=semarang)
    allocation = Allocation.objects.get(name="semarang")
    benefit = BenefitFactory(program=allocation.program, allocation=allocation)
    services.entitlement_create(actor=world["owner_district_staff"], case=quiet, benefit=benefit)

    assert quiet not in access.visible_to(approver, Case)
    assert access.visible_to(approver, Entitlement).filter(case=quiet).exists()


def test_a_finance_approver_of_another_province_sees_only_waiting_cases_of_their_own_province(world):
    approver = world["other_province_finance_approver"]

    assert [c.number for c in access.visible_to(approver, Case)] == [BANYUWANGI]


def test_a_partner_agency_sees_a_case_referred_to_it_but_never_its_money(db):
    import datetime

    from cases.models import Consent, Referral
    from funding.models import Entitlement
    from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
    from tests.cases.factories import CaseFactory, ConsentFactory, ReferralFactory

    owner = AgencyFactory(region=RegionFactory(code="35.10"))
    health = AgencyFactory(kind="health", region=owner.region)
    case = CaseFactory(owner=owner)
    ConsentFactory(
        person=case.person, agency=health, purpose=Consent.Purpose.SHARING, given_on=datetime.date(2026, 1, 1)
    )
    ReferralFactory(case=case, to_agency=health, status=Referral.Status.ACCEPTED)
    trainer = MembershipFactory(role="partner_trainer", agency=health).user

    assert access.visible_to(trainer, type(case)).filter(pk=case.pk).exists()
    assert not access.visible_to(trainer, Entitlement).exists()
    assert access.may_see_any(trainer, Entitlement) is False
