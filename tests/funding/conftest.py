"""The cast of the funding suites beyond the shared one (tests/conftest.py): Semarang's checker beside its maker
(`staff`), and a living allowance (jaminan hidup, 3 × Rp600.000) to pay."""

import pytest

from agencies.models import Role
from funding import services
from funding.models import Entitlement
from tests.cases.factories import CaseFactory
from tests.funding.factories import (
    AllocationFactory,
    BenefitFactory,
    EntitlementFactory,
    FundingSourceFactory,
    pay,
    request_payment,
)
from tests.programs.factories import ProgramFactory


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
    """Make a jaminan hidup of 3 × Rp600.000 for a new Semarang case (registered by Semarang unless told)."""
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)

    def make(**case) -> Entitlement:
        return EntitlementFactory(actor=staff, case=CaseFactory(owner=semarang, **case), benefit=benefit)

    return make


@pytest.fixture
def allowance(allowance_for) -> Entitlement:
    return allowance_for()


@pytest.fixture
def every_kind_of_money(staff, approver, allowance_for):
    """Disbursements in every status and ledger rows of every kind."""
    allowance = allowance_for()
    paid = pay(staff, approver, allowance, 1)
    reversed_ = pay(staff, approver, allowance, 2)
    services.disbursement_reverse(actor=approver, disbursement=reversed_, reason="Salah transfer")
    approved = services.disbursement_approve(actor=approver, disbursement=request_payment(staff, allowance, 3))
    other = allowance_for()
    rejected = services.disbursement_reject(
        actor=approver, disbursement=request_payment(staff, other, 1), reason="Rekening salah"
    )
    requested = request_payment(staff, other, 2)
    services.entitlement_cancel(actor=staff, entitlement=allowance_for())
    return {"paid": paid, "reversed": reversed_, "approved": approved, "rejected": rejected, "requested": requested}
