"""The cast of the funding admin's tests: Semarang's office, its maker and its checker, and a living allowance
(jaminan hidup, 3 × Rp600.000) to pay. Modules that set their own fixtures of the same name keep theirs."""

import pytest

from agencies.models import Role
from funding.models import Entitlement
from tests.cases.factories import CaseFactory, DistrictOfficeFactory
from tests.funding.factories import AllocationFactory, BenefitFactory, EntitlementFactory, FundingSourceFactory
from tests.programs.factories import ProgramFactory


@pytest.fixture
def semarang(db):
    return DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")


@pytest.fixture
def staff(member, semarang):
    """District staff of Semarang: the maker, who requests."""
    return member(Role.DISTRICT_STAFF, agency=semarang)


@pytest.fixture
def approver(member, semarang):
    """Semarang's finance approver: the checker."""
    return member(Role.FINANCE_APPROVER, agency=semarang)


@pytest.fixture
def allocation(semarang):
    program = ProgramFactory(organizer=semarang)
    return AllocationFactory(source=FundingSourceFactory(agency=semarang), program=program, ceiling=50_000_000)


@pytest.fixture
def allowance_for(staff, semarang, allocation):
    """Make a jaminan hidup of 3 × Rp600.000 for a new Semarang case."""
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)

    def make() -> Entitlement:
        return EntitlementFactory(actor=staff, case=CaseFactory(owner=semarang), benefit=benefit)

    return make


@pytest.fixture
def allowance(allowance_for) -> Entitlement:
    return allowance_for()
