"""Disbursements, maker-checker: requested by the owning office, approved by a finance approver who is not the
requester, paid with a method and a reference, reversed by a new ledger row; twice is once (issue 5 §3, §6)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from agencies import access
from agencies.models import Agency, AuditEvent, Role
from funding import refusals, services
from funding.models import Allocation, Disbursement, Entitlement, Installment, LedgerEntry
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory
from tests.funding.factories import (
    BAD_AMOUNTS,
    JADUP,
    BenefitFactory,
    EntitlementFactory,
    this_year,
)

pytestmark = pytest.mark.django_db

S = Disbursement.Status
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def allowance(staff, semarang, lentera, allocation) -> Entitlement:
    """Jaminan hidup 3 × Rp600.000 for a Semarang case that Yayasan Lentera registered."""
    case = CaseFactory(owner=semarang, registered_by=lentera)
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)
    return EntitlementFactory(actor=staff, case=case, benefit=benefit)


@pytest.fixture
def first(allowance) -> Installment:
    return allowance.installments.get(number=1)


@pytest.fixture
def requested(staff, first) -> Disbursement:
    return services.disbursement_request(actor=staff, installment=first)


@pytest.fixture
def approved(approver, requested) -> Disbursement:
    return services.disbursement_approve(actor=approver, disbursement=requested)


@pytest.fixture
def rejected(approver, requested) -> Disbursement:
    return services.disbursement_reject(actor=approver, disbursement=requested, reason="Rekening tidak cocok")


def _pay(actor, disbursement, method=Disbursement.Method.BANK_TRANSFER, reference="BRI-20250101-0042", **kwargs):
    return services.disbursement_pay(
        actor=actor, disbursement=disbursement, method=method, reference=reference, **{"paid_on": YESTERDAY, **kwargs}
    )


@pytest.fixture
def paid(staff, approved) -> Disbursement:
    return _pay(staff, approved)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=f"funding.disbursement.{action}").count()


def _ledger() -> list[tuple]:
    return list(
        LedgerEntry.objects.order_by("pk").values_list(
            "pk", "kind", "committed_delta", "paid_delta", "entitlement", "disbursement", "recorded_by"
        )
    )


# Requesting


def test_district_staff_of_the_owning_office_request_an_installment(staff, first):
    disbursement = services.disbursement_request(actor=staff, installment=first)

    disbursement = _fresh(disbursement)
    assert (disbursement.installment, disbursement.amount, disbursement.status) == (first, JADUP, S.REQUESTED)
    assert (disbursement.requested_by, disbursement.decided_by) == (staff, None)
    assert AuditEvent.objects.get(action="funding.disbursement.requested").data == {"amount": JADUP}
    assert not LedgerEntry.objects.filter(disbursement=disbursement).exists()  # asking is not paying


def test_requesting_the_same_installment_twice_returns_the_same_disbursement(staff, first, requested):
    again = services.disbursement_request(actor=staff, installment=first)

    assert again == requested
    assert Disbursement.objects.count() == 1
    assert _events("requested") == 1


def test_the_same_idempotency_key_twice_returns_the_same_disbursement(staff, first):
    once = services.disbursement_request(actor=staff, installment=first, idempotency_key="tap-7f3a")

    twice = services.disbursement_request(actor=staff, installment=first, idempotency_key="tap-7f3a")

    assert twice == once
    assert Disbursement.objects.count() == 1
    assert _events("requested") == 1


def test_an_idempotency_key_reused_for_another_installment_is_refused(staff, allowance, first):
    services.disbursement_request(actor=staff, installment=first, idempotency_key="tap-7f3a")
    second = allowance.installments.get(number=2)

    with pytest.raises(ValidationError) as exc:
        services.disbursement_request(actor=staff, installment=second, idempotency_key="tap-7f3a")

    assert list(exc.value.message_dict) == ["idempotency_key"]
    assert list(Disbursement.objects.values_list("installment", flat=True)) == [first.pk]


def test_an_outsider_replaying_an_idempotency_key_gets_404(member, staff, first):
    services.disbursement_request(actor=staff, installment=first, idempotency_key="tap-7f3a")
    outsider = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region__code="33.03"))

    with pytest.raises(Http404):
        services.disbursement_request(actor=outsider, installment=first, idempotency_key="tap-7f3a")


def test_an_amount_up_to_the_installment_may_be_requested(staff, first):
    disbursement = services.disbursement_request(actor=staff, installment=first, amount=450_000)

    assert disbursement.amount == 450_000


def test_an_amount_above_the_installment_is_refused_naming_both(staff, first):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.disbursement_request(actor=staff, installment=first, amount=JADUP + 1)

    with translation.override("en"):
        expected = refusals.MORE_THAN_INSTALLMENT % {"amount": "Rp600.001", "due": "Rp600.000"}
        assert exc.value.message_dict == {"amount": [expected]}
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_requested_amount_that_is_not_a_positive_whole_number_is_refused_naming_it(staff, first, amount):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.disbursement_request(actor=staff, installment=first, amount=amount)

    assert list(exc.value.message_dict) == ["amount"]
    with translation.override("en"):
        assert str(amount) in exc.value.message_dict["amount"][0]
    assert not Disbursement.objects.exists()


def test_an_installment_of_a_cancelled_entitlement_cannot_be_requested(staff, allowance, first):
    services.entitlement_cancel(actor=staff, entitlement=allowance)

    with pytest.raises(ValidationError) as exc:
        services.disbursement_request(actor=staff, installment=first)

    assert list(exc.value.message_dict) == ["installment"]
    assert not Disbursement.objects.exists()


def test_a_finance_approver_may_not_request(approver, first):
    with pytest.raises(PermissionDenied):
        services.disbursement_request(actor=approver, installment=first)

    assert not Disbursement.objects.exists()


def test_staff_of_another_district_may_not_request(member, first):
    elsewhere = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region__code="33.03"))

    with pytest.raises(Http404):
        services.disbursement_request(actor=elsewhere, installment=first)

    assert not Disbursement.objects.exists()


# Approving and rejecting


def test_a_finance_approver_of_the_owning_district_approves(approver, requested):
    disbursement = services.disbursement_approve(actor=approver, disbursement=requested)

    disbursement = _fresh(disbursement)
    assert (disbursement.status, disbursement.decided_by) == (S.APPROVED, approver)
    assert disbursement.decided_at is not None
    assert _events("approved") == 1
    assert not LedgerEntry.objects.filter(disbursement=disbursement).exists()  # approving is not paying


def test_approving_twice_has_one_effect(approver, approved):
    decided_at = _fresh(approved).decided_at

    again = services.disbursement_approve(actor=approver, disbursement=approved)

    assert again == approved
    assert (_fresh(approved).status, _fresh(approved).decided_at) == (S.APPROVED, decided_at)
    assert _events("approved") == 1


@pytest.mark.parametrize(
    "decide",
    [
        pytest.param(lambda actor, d: services.disbursement_approve(actor=actor, disbursement=d), id="approve"),
        pytest.param(
            lambda actor, d: services.disbursement_reject(actor=actor, disbursement=d, reason="Saya ragu"),
            id="reject",
        ),
    ],
)
def test_the_requester_cannot_decide_their_own_request_even_as_a_finance_approver(staff, jateng, requested, decide):
    # The requester is also a finance approver at the province office, whose jurisdiction covers Semarang.
    MembershipFactory(user=staff, role=Role.FINANCE_APPROVER, agency=jateng)

    with pytest.raises(ValidationError) as exc:
        decide(staff, requested)

    assert list(exc.value.message_dict) == ["decided_by"]
    assert (_fresh(requested).status, _fresh(requested).decided_by) == (S.REQUESTED, None)


def test_a_province_finance_approver_approves_a_district_request(member, jateng, requested):
    province_approver = member(Role.FINANCE_APPROVER, agency=jateng)

    services.disbursement_approve(actor=province_approver, disbursement=requested)

    assert _fresh(requested).decided_by == province_approver


def test_district_staff_cannot_approve(member, semarang, requested):
    colleague = member(Role.DISTRICT_STAFF, agency=semarang)

    with pytest.raises(PermissionDenied):
        services.disbursement_approve(actor=colleague, disbursement=requested)

    assert _fresh(requested).status == S.REQUESTED


def test_a_finance_approver_of_another_district_does_not_find_the_request(member, requested):
    purbalingga = AgencyFactory(name="Dinas Sosial Kabupaten Purbalingga", region=RegionFactory(code="33.03"))
    outsider = member(Role.FINANCE_APPROVER, agency=purbalingga)

    with pytest.raises(Http404):
        services.disbursement_approve(actor=outsider, disbursement=requested)

    assert _fresh(requested).status == S.REQUESTED


@pytest.mark.parametrize(
    "close",
    [
        pytest.param({"closed": True}, id="closed"),
        pytest.param({"fiscal_year": this_year() - 1}, id="last-year"),
    ],
)
def test_an_allocation_of_a_closed_fiscal_year_refuses_approvals(approver, requested, allocation, close):
    Allocation.objects.filter(pk=allocation.pk).update(**close)

    with pytest.raises(ValidationError) as exc:
        services.disbursement_approve(actor=approver, disbursement=requested)

    assert list(exc.value.message_dict) == ["allocation"]
    assert _fresh(requested).status == S.REQUESTED


def test_a_finance_approver_rejects_saying_why(approver, requested):
    services.disbursement_reject(actor=approver, disbursement=requested, reason="  Rekening tidak cocok ")

    rejected = _fresh(requested)
    assert (rejected.status, rejected.reject_reason, rejected.decided_by) == (
        S.REJECTED,
        "Rekening tidak cocok",
        approver,
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_needs_a_reason(approver, requested, reason):
    with pytest.raises(ValidationError) as exc:
        services.disbursement_reject(actor=approver, disbursement=requested, reason=reason)

    assert list(exc.value.message_dict) == ["reject_reason"]
    assert _fresh(requested).status == S.REQUESTED


def test_a_rejected_installment_can_be_requested_again(staff, first, rejected):
    again = services.disbursement_request(actor=staff, installment=first)

    assert again != rejected
    assert sorted(Disbursement.objects.values_list("status", flat=True)) == [S.REJECTED, S.REQUESTED]


def test_an_approved_disbursement_cannot_be_rejected(approver, approved):
    with pytest.raises(ValidationError) as exc:
        services.disbursement_reject(actor=approver, disbursement=approved, reason="Terlambat")

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(approved).status == S.APPROVED


# Paying


@pytest.mark.parametrize("payer", ["staff", "approver"])
def test_paying_an_approved_disbursement_spends_it_from_the_allocation(request, approved, allocation, payer):
    actor = request.getfixturevalue(payer)

    _pay(actor, approved)

    disbursement = _fresh(approved)
    assert (disbursement.status, disbursement.method, disbursement.reference, disbursement.paid_on) == (
        S.PAID,
        Disbursement.Method.BANK_TRANSFER,
        "BRI-20250101-0042",
        YESTERDAY,
    )
    assert disbursement.paid_by == actor
    (payment,) = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT)
    assert (payment.allocation, payment.committed_delta, payment.paid_delta) == (allocation, 0, JADUP)
    assert (payment.disbursement, payment.entitlement) == (disbursement, disbursement.installment.entitlement)
    allocation.refresh_from_db()
    assert (allocation.committed, allocation.paid) == (3 * JADUP, JADUP)


@pytest.mark.parametrize("state", ["requested", "rejected", "paid"])
def test_only_an_approved_disbursement_can_be_paid(request, staff, state):
    disbursement = request.getfixturevalue(state)
    ledger = _ledger()

    with pytest.raises(ValidationError) as exc:
        _pay(staff, disbursement)

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(disbursement).status == state
    assert _ledger() == ledger


@pytest.mark.parametrize("method", [Disbursement.Method.BANK_TRANSFER, Disbursement.Method.CASH])
def test_a_bank_transfer_or_cash_payment_needs_its_reference(staff, approved, method):
    with pytest.raises(ValidationError) as exc:
        _pay(staff, approved, method=method, reference="  ")

    assert list(exc.value.message_dict) == ["reference"]
    assert _fresh(approved).status == S.APPROVED
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT).exists()


def test_an_in_kind_handover_needs_no_reference(staff, approved):
    _pay(staff, approved, method=Disbursement.Method.IN_KIND, reference="")

    assert _fresh(approved).status == S.PAID


def test_a_payment_needs_a_known_method(staff, approved):
    with pytest.raises(ValidationError) as exc:
        _pay(staff, approved, method="crypto")

    assert list(exc.value.message_dict) == ["method"]
    assert _fresh(approved).status == S.APPROVED


def test_a_payment_cannot_be_dated_in_the_future(staff, approved):
    with pytest.raises(ValidationError) as exc:
        _pay(staff, approved, paid_on=timezone.localdate() + datetime.timedelta(days=1))

    assert list(exc.value.message_dict) == ["paid_on"]
    assert _fresh(approved).status == S.APPROVED


def test_a_payment_needs_its_date(staff, approved):
    with pytest.raises(ValidationError) as exc:
        _pay(staff, approved, paid_on=None)

    assert list(exc.value.message_dict) == ["paid_on"]


def test_an_ngo_caseworker_may_not_record_a_payment(ngo_caseworker, approved):
    with pytest.raises(PermissionDenied):
        _pay(ngo_caseworker, approved)

    assert _fresh(approved).status == S.APPROVED


# Reversing


def test_reversing_a_payment_adds_a_reversal_and_leaves_the_ledger_as_it_was(approver, paid, allocation):
    before = _ledger()

    services.disbursement_reverse(actor=approver, disbursement=paid, reason="Transfer ditolak bank")

    after = _ledger()
    assert after[: len(before)] == before
    (reversal,) = after[len(before) :]
    assert reversal[1:] == (LedgerEntry.Kind.REVERSAL, 0, -JADUP, paid.installment.entitlement_id, paid.pk, approver.pk)
    reversed_ = _fresh(paid)
    assert (reversed_.status, reversed_.reversed_reason) == (S.REVERSED, "Transfer ditolak bank")
    allocation.refresh_from_db()
    assert (allocation.committed, allocation.paid) == (3 * JADUP, 0)


def test_a_reversed_installment_can_be_requested_again(staff, approver, first, paid):
    services.disbursement_reverse(actor=approver, disbursement=paid, reason="Transfer ditolak bank")

    again = services.disbursement_request(actor=staff, installment=first)

    assert again != paid
    assert (again.status, again.amount) == (S.REQUESTED, JADUP)


def test_reversing_needs_a_reason(approver, paid):
    with pytest.raises(ValidationError) as exc:
        services.disbursement_reverse(actor=approver, disbursement=paid, reason=" ")

    assert list(exc.value.message_dict) == ["reversed_reason"]
    assert _fresh(paid).status == S.PAID


@pytest.mark.parametrize("state", ["requested", "approved", "rejected"])
def test_only_a_paid_disbursement_can_be_reversed(request, approver, state):
    disbursement = request.getfixturevalue(state)

    with pytest.raises(ValidationError) as exc:
        services.disbursement_reverse(actor=approver, disbursement=disbursement, reason="Salah input")

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(disbursement).status == state


def test_district_staff_cannot_reverse_a_payment(staff, paid):
    with pytest.raises(PermissionDenied):
        services.disbursement_reverse(actor=staff, disbursement=paid, reason="Salah input")

    assert _fresh(paid).status == S.PAID
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).exists()


# Who sees the money of a case


def test_an_ngo_caseworker_sees_the_money_of_the_case_their_agency_registered(ngo_caseworker, allowance, requested):
    assert list(access.visible_to(ngo_caseworker, Entitlement)) == [allowance]
    assert list(access.visible_to(ngo_caseworker, Disbursement)) == [requested]


def test_an_ngo_caseworker_may_not_change_that_money(ngo_caseworker, allowance, first, requested):
    for model in (Entitlement, Installment, Disbursement):
        assert not access.changeable_by(ngo_caseworker, model).exists(), model.__name__
    with pytest.raises(PermissionDenied):
        services.disbursement_request(actor=ngo_caseworker, installment=allowance.installments.get(number=2))
    with pytest.raises(PermissionDenied):
        services.disbursement_approve(actor=ngo_caseworker, disbursement=requested)
    with pytest.raises(PermissionDenied):
        services.entitlement_cancel(actor=ngo_caseworker, entitlement=allowance)

    assert Disbursement.objects.get().status == S.REQUESTED
    assert _fresh(allowance).status == Entitlement.Status.ACTIVE


@pytest.mark.parametrize(
    ("role", "agency"),
    [
        (Role.PARTNER_TRAINER, {"kind": Agency.Kind.POLICE, "region__code": "33.74"}),
        (Role.LEADERSHIP_VIEWER, {"ministry": True}),
    ],
    ids=["partner-trainer", "leadership-viewer"],
)
def test_partner_trainers_and_leadership_see_no_entitlement(member, allowance, requested, role, agency):
    onlooker = member(role, agency=AgencyFactory(**agency))

    for model in (Entitlement, Installment, Disbursement):
        assert not access.visible_to(onlooker, model).exists(), model.__name__
    with pytest.raises(Http404):
        services.disbursement_request(actor=onlooker, installment=allowance.installments.get(number=2))
