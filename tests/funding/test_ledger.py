"""The ledger: append-only in the database itself, the source every balance is a sum of, and the reconciliation
that finds any disagreement with it (issue 5 §4 and "Done when")."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation

from funding import services
from funding.models import Allocation, Benefit, Disbursement, Entitlement, LedgerEntry
from funding.reconciliation import Drift, find_drift
from programs import services as program_services
from tests.funding.factories import (
    JADUP,
    PACKAGE,
    UEP,
    AllocationFactory,
    BenefitFactory,
    FundingSourceFactory,
    batch_that_ran,
    planned_cases,
)
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

K = LedgerEntry.Kind
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
TICKET = 480_000


@pytest.fixture
def allocation(semarang):
    program = ProgramFactory(organizer=semarang, name="Pelatihan salon")
    return AllocationFactory(source=FundingSourceFactory(agency=semarang), program=program, ceiling=50_000_000)


class Books:
    """Money moving for a season, through the services only; see the `books` fixture."""

    def __init__(self, staff, approver, allocation):
        self.staff, self.approver, self.allocation = staff, approver, allocation

    def entitlement(self, case, kind) -> Entitlement:
        return Entitlement.objects.get(case=case, benefit__kind=kind)

    def request(self, entitlement, number=1) -> Disbursement:
        installment = entitlement.installments.get(number=number)
        return services.disbursement_request(actor=self.staff, installment=installment)

    def pay(self, entitlement, number=1, method=Disbursement.Method.BANK_TRANSFER) -> Disbursement:
        disbursement = services.disbursement_approve(
            actor=self.approver, disbursement=self.request(entitlement, number)
        )
        return services.disbursement_pay(
            actor=self.staff, disbursement=disbursement, method=method, reference="BRI-0042", paid_on=YESTERDAY
        )


@pytest.fixture
def books(staff, approver, semarang, allocation) -> Books:
    """Three graduates of a batch get the UEP + jadup package and one case a Rp480.000 ticket home; then grants and
    allowances are paid, one payment bounces and is reversed, one request is rejected, two allowances are
    cancelled (one before and one after its first month), and one request waits for approval."""
    program = allocation.program
    for kind, amount, installments in (
        (Benefit.Kind.BUSINESS_GRANT, UEP, 1),
        (Benefit.Kind.LIVING_ALLOWANCE, JADUP, 3),
    ):
        services.benefit_add(
            actor=staff, program=program, kind=kind, amount=amount, installments=installments, allocation=allocation
        )
    ani, budi, citra, dewi = planned_cases(semarang, 4)
    batch, _enrollments = batch_that_ran(staff, program, {ani: 5, budi: 5, citra: 4})
    program_services.batch_complete(actor=staff, batch=batch)
    transport = BenefitFactory(program=program, allocation=allocation, transport=True)
    services.entitlement_create(actor=staff, case=dewi, benefit=transport, amount=TICKET)

    b = Books(staff, approver, allocation)
    grant, allowance = Benefit.Kind.BUSINESS_GRANT, Benefit.Kind.LIVING_ALLOWANCE
    b.pay(b.entitlement(ani, grant))
    b.pay(b.entitlement(ani, allowance), 1)
    bounced = b.pay(b.entitlement(ani, allowance), 2)
    services.disbursement_reverse(actor=approver, disbursement=bounced, reason="Rekening ditutup")
    b.request(b.entitlement(ani, allowance), 3)  # waiting for the approver
    refused = b.request(b.entitlement(budi, grant))
    services.disbursement_reject(actor=approver, disbursement=refused, reason="Proposal usaha belum ada")
    services.entitlement_cancel(actor=staff, entitlement=b.entitlement(budi, allowance))
    b.pay(b.entitlement(citra, allowance), 1)
    services.entitlement_cancel(actor=staff, entitlement=b.entitlement(citra, allowance))
    b.pay(Entitlement.objects.get(case=dewi), method=Disbursement.Method.CASH)
    b.cases = (ani, budi, citra, dewi)
    return b


def _sums(allocation) -> tuple[int, int]:
    totals = LedgerEntry.objects.filter(allocation=allocation).aggregate(c=Sum("committed_delta"), p=Sum("paid_delta"))
    return totals["c"], totals["p"]


def _reconcile() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reconcile_funding", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Append-only


@pytest.fixture
def entry(books) -> LedgerEntry:
    return LedgerEntry.objects.filter(kind=K.PAYMENT).first()


@pytest.mark.postgres
def test_the_database_refuses_to_update_a_ledger_row(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute("UPDATE funding_ledgerentry SET paid_delta = 1 WHERE id = %s", [entry.pk])

    assert LedgerEntry.objects.get(pk=entry.pk).paid_delta == entry.paid_delta


@pytest.mark.postgres
def test_the_database_refuses_to_delete_a_ledger_row(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute("DELETE FROM funding_ledgerentry WHERE id = %s", [entry.pk])

    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_an_orm_update_of_the_ledger_too(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(allocation=entry.allocation).update(paid_delta=0)

    assert LedgerEntry.objects.get(pk=entry.pk).paid_delta == entry.paid_delta


# Balances are sums over the ledger


def test_after_a_season_of_payments_the_balances_are_the_sums_of_the_ledger(books, allocation):
    allocation.refresh_from_db()

    assert (allocation.committed, allocation.paid) == _sums(allocation)
    # 3 packages and a ticket, less the unpaid allowances released: Budi's whole, Citra's two last months.
    assert allocation.committed == 3 * PACKAGE + TICKET - 3 * JADUP - 2 * JADUP == 17_880_000
    # Ani's grant and first month (the second bounced), Citra's first month, Dewi's ticket.
    assert allocation.paid == UEP + JADUP + JADUP + TICKET == 6_680_000
    kinds = list(LedgerEntry.objects.order_by("kind").values_list("kind", flat=True))
    assert {k: kinds.count(k) for k in K.values} == {K.COMMIT: 7, K.RELEASE: 2, K.PAYMENT: 5, K.REVERSAL: 1}


def test_every_entitlement_is_committed_in_the_ledger_as_far_as_it_stands(books):
    for entitlement in Entitlement.objects.all():
        committed = entitlement.ledger.aggregate(c=Sum("committed_delta"))["c"]
        paid = entitlement.ledger.aggregate(p=Sum("paid_delta"))["p"] or 0
        expected = entitlement.total if entitlement.status == Entitlement.Status.ACTIVE else paid
        assert committed == expected, entitlement


# Reconciliation


def test_the_reconciliation_finds_nothing_on_clean_books(books):
    assert find_drift() == []
    out, err = _reconcile()
    assert (out.strip(), err) == ("The ledger and the totals agree.", "")


def test_the_reconciliation_finds_a_payment_cached_behind_the_ledgers_back(books, allocation):
    Allocation.objects.filter(pk=allocation.pk).update(paid=F("paid") + 1)

    assert find_drift() == [Drift("allocation paid", allocation.pk, ledger=6_680_000, recorded=6_680_001)]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_funding", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == f"allocation paid #{allocation.pk}: the ledger says 6680000, the row says 6680001"


def test_the_reconciliation_finds_a_commitment_cached_behind_the_ledgers_back(books, allocation):
    Allocation.objects.filter(pk=allocation.pk).update(committed=F("committed") - 1)

    assert find_drift() == [Drift("allocation committed", allocation.pk, ledger=17_880_000, recorded=17_879_999)]
    with pytest.raises(CommandError):
        _reconcile()


def test_the_reconciliation_finds_an_entitlement_whose_total_changed_behind_the_ledgers_back(books):
    entitlement = books.entitlement(books.cases[0], Benefit.Kind.BUSINESS_GRANT)
    Entitlement.objects.filter(pk=entitlement.pk).update(total=F("total") + 1)

    assert [(d.what, d.pk) for d in find_drift()] == [("entitlement committed", entitlement.pk)]
    with pytest.raises(CommandError):
        _reconcile()


def test_the_reconciliation_says_what_the_ledger_says_about_an_entitlement(books):
    entitlement = books.entitlement(books.cases[0], Benefit.Kind.BUSINESS_GRANT)
    Entitlement.objects.filter(pk=entitlement.pk).update(total=F("total") + 1)

    (drift,) = find_drift()

    assert str(drift) == f"entitlement committed #{entitlement.pk}: the ledger says 5000000, the row says 5000001"


def test_the_reconciliation_finds_a_disbursement_marked_paid_behind_the_ledgers_back(books):
    waiting = Disbursement.objects.get(status=Disbursement.Status.REQUESTED)
    Disbursement.objects.filter(pk=waiting.pk).update(status=Disbursement.Status.PAID)

    assert [(d.what, d.pk) for d in find_drift()] == [("disbursement paid", waiting.pk)]
    with pytest.raises(CommandError):
        _reconcile()


def test_reversing_a_payment_of_a_cancelled_entitlement_leaves_the_books_reconciled(books, approver, allocation):
    citra = books.cases[2]
    cancelled = books.entitlement(citra, Benefit.Kind.LIVING_ALLOWANCE)
    payment = Disbursement.objects.get(installment__entitlement=cancelled, status=Disbursement.Status.PAID)

    services.disbursement_reverse(actor=approver, disbursement=payment, reason="Transfer ditolak bank")

    assert find_drift() == []
    allocation.refresh_from_db()
    assert allocation.committed == 17_880_000 - JADUP  # nothing stays committed to the cancelled allowance


def test_a_ledger_entry_reads_its_kind_and_amount_in_rupiah():
    commitment = LedgerEntry(kind=LedgerEntry.Kind.COMMIT, committed_delta=1_800_000, paid_delta=0)
    release = LedgerEntry(kind=LedgerEntry.Kind.RELEASE, committed_delta=-1_800_000, paid_delta=0)

    with translation.override("id"):
        assert str(commitment) == "Komitmen Rp1.800.000"
        assert str(release) == f"{LedgerEntry.Kind.RELEASE.label} -Rp1.800.000"
