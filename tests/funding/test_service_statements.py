"""What moving money costs in SQL statements, pinned, whatever the office's caseload (issue 15): an entitlement by
hand, a disbursement's request, approval and payment."""

import pytest
from django.utils import timezone

from funding import services
from funding.models import Disbursement
from tests.cases.factories import CaseFactory
from tests.funding.factories import BenefitFactory, pay
from tests.statements import savepoints_apart, statements

pytestmark = pytest.mark.django_db

ENTITLE = 10
REQUEST = 10 + savepoints_apart(1)  # 20 before issue 15, 12 before the compiled saves
APPROVE = 9  # 16 before
PAY = 11


def test_each_step_of_paying_takes_at_most_N_statements_whatever_the_office_caseload(
    staff, approver, allocation, caseload
):
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)
    warm_up = services.entitlement_create(actor=staff, case=CaseFactory(owner=caseload[0].owner), benefit=benefit)
    pay(staff, approver, warm_up)  # the first of each kind of audit row reads its content type
    made = {}

    spent = {
        "entitle": statements(
            lambda: made.update(
                entitlement=services.entitlement_create(actor=staff, case=caseload[-1], benefit=benefit)
            )
        )
    }
    installment = made["entitlement"].installments.get(number=1)
    spent["request"] = statements(
        lambda: made.update(disbursement=services.disbursement_request(actor=staff, installment=installment))
    )
    spent["approve"] = statements(
        lambda: services.disbursement_approve(actor=approver, disbursement=made["disbursement"])
    )
    spent["pay"] = statements(
        lambda: services.disbursement_pay(
            actor=staff,
            disbursement=made["disbursement"],
            method=Disbursement.Method.BANK_TRANSFER,
            reference="BRI-0042",
            paid_on=timezone.localdate(),
        )
    )

    assert spent == {"entitle": ENTITLE, "request": REQUEST, "approve": APPROVE, "pay": PAY}
