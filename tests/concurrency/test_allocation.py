"""Money at the same moment (issue 5, "Done when"): an allocation is never committed past its ceiling, and a
disbursement is approved once and paid once, whatever arrives together."""

import datetime
import time
from collections import Counter
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from agencies.models import AuditEvent, Role
from funding import services
from funding.models import Allocation, Disbursement, Entitlement, LedgerEntry
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import CaseFactory
from tests.concurrency.threads import at_once
from tests.funding.factories import JADUP, UEP, AllocationFactory, BenefitFactory, FundingSourceFactory
from tests.programs.factories import ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CEILING = 100_000_000
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def approvers(semarang):
    return [MembershipFactory(role=Role.FINANCE_APPROVER, agency=semarang).user for _ in range(2)]


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan usaha")


def _refusals(outcomes) -> list[dict]:
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ValidationError)]
    assert unexpected == []
    return [o.message_dict for o in outcomes if isinstance(o, ValidationError)]


def _ledger_sums(allocation) -> tuple[int, int]:
    totals = LedgerEntry.objects.filter(allocation=allocation).aggregate(c=Sum("committed_delta"), p=Sum("paid_delta"))
    return totals["c"] or 0, totals["p"] or 0


def test_forty_grants_of_five_million_at_once_against_a_hundred_million_commit_exactly_twenty_every_time(
    staff, semarang, program
):
    for _round in range(3):
        allocation = AllocationFactory(source=FundingSourceFactory(agency=semarang), program=program, ceiling=CEILING)
        grant = BenefitFactory(program=program, allocation=allocation, amount=UEP)
        cases = [CaseFactory(owner=semarang) for _ in range(40)]

        outcomes = at_once(
            [partial(services.entitlement_create, actor=staff, case=case, benefit=grant) for case in cases]
        )

        refusals = _refusals(outcomes)
        assert [list(refusal) for refusal in refusals] == [["amount"]] * 20
        granted = [o for o in outcomes if isinstance(o, Entitlement)]
        assert len(granted) == 20
        assert Entitlement.objects.filter(allocation=allocation).count() == 20
        assert len({e.case_id for e in granted}) == 20
        allocation.refresh_from_db()
        assert allocation.committed == CEILING == _ledger_sums(allocation)[0]
        assert LedgerEntry.objects.filter(allocation=allocation).count() == 20


@pytest.fixture
def allowance(staff, semarang, program):
    allocation = AllocationFactory(source=FundingSourceFactory(agency=semarang), program=program, ceiling=CEILING)
    benefit = BenefitFactory(program=program, allocation=allocation, living_allowance=True)
    return services.entitlement_create(actor=staff, case=CaseFactory(owner=semarang), benefit=benefit)


def _pay_once_approved(payer, disbursement, attempts: int = 500):
    """A payer at the counter: pays as soon as the disbursement is approved (retrying while it is not yet)."""
    waiting = (Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED)
    for _attempt in range(attempts):
        try:
            return services.disbursement_pay(
                actor=payer,
                disbursement=disbursement,
                method=Disbursement.Method.CASH,
                reference="KW-0042",
                paid_on=YESTERDAY,
            )
        except ValidationError as exc:
            if (
                list(exc.message_dict) != ["status"]
                or Disbursement.objects.get(pk=disbursement.pk).status not in waiting
            ):
                raise
        time.sleep(0.01)
    raise AssertionError("the disbursement was never approved")


def test_two_approvers_and_a_payer_at_once_leave_one_approval_and_one_payment_every_time(staff, approvers, allowance):
    for number in (1, 2, 3):
        installment = allowance.installments.get(number=number)
        requested = services.disbursement_request(actor=staff, installment=installment)
        first, second = approvers

        outcomes = at_once(
            [
                partial(services.disbursement_approve, actor=first, disbursement=requested),
                partial(services.disbursement_approve, actor=second, disbursement=requested),
                partial(_pay_once_approved, staff, requested),
            ]
        )

        # An approver arriving after the payment finds it paid, and says so; nothing else is refused.
        assert all(list(refusal) == ["status"] for refusal in _refusals(outcomes))
        assert isinstance(outcomes[2], Disbursement)
        disbursement = Disbursement.objects.get(pk=requested.pk)
        assert disbursement.status == Disbursement.Status.PAID
        assert disbursement.decided_by in approvers
        assert (
            AuditEvent.objects.filter(action="funding.disbursement.approved", target_id=str(requested.pk)).count() == 1
        )
        payments = LedgerEntry.objects.filter(disbursement=requested, kind=LedgerEntry.Kind.PAYMENT)
        assert [p.paid_delta for p in payments] == [JADUP]

    allocation = Allocation.objects.get(pk=allowance.allocation_id)
    assert allocation.paid == 3 * JADUP == _ledger_sums(allocation)[1]


def test_an_approved_disbursement_paid_by_two_people_at_once_is_paid_once(staff, approvers, allowance):
    requested = services.disbursement_request(actor=staff, installment=allowance.installments.get(number=1))
    approved = services.disbursement_approve(actor=approvers[0], disbursement=requested)
    pay = partial(
        services.disbursement_pay,
        disbursement=approved,
        method=Disbursement.Method.BANK_TRANSFER,
        reference="BRI-0042",
        paid_on=YESTERDAY,
    )

    outcomes = at_once([partial(pay, actor=staff), partial(pay, actor=approvers[1])])

    assert [list(refusal) for refusal in _refusals(outcomes)] == [["status"]]
    assert Counter(type(o).__name__ for o in outcomes) == {"Disbursement": 1, "ValidationError": 1}
    assert LedgerEntry.objects.filter(disbursement=approved, kind=LedgerEntry.Kind.PAYMENT).count() == 1
    allocation = Allocation.objects.get(pk=allowance.allocation_id)
    assert allocation.paid == JADUP == _ledger_sums(allocation)[1]


def test_one_installment_requested_by_several_clicks_at_once_is_requested_once(staff, allowance):
    installment = allowance.installments.get(number=1)

    outcomes = at_once([partial(services.disbursement_request, actor=staff, installment=installment)] * 5)

    assert _refusals(outcomes) == []
    assert len({o.pk for o in outcomes}) == 1
    assert Disbursement.objects.filter(installment=installment).count() == 1
