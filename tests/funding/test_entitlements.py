"""Entitlements: the program's package for every completed enrollment, once, committed against the allocation;
by hand for transport up to its cap; cancelled by releasing what was not paid (issue 5 §2, §3, §5)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone, translation

from agencies.models import AuditEvent, Role
from funding import refusals, services
from funding.models import Allocation, Benefit, Disbursement, Entitlement, LedgerEntry
from programs import services as program_services
from programs.models import Batch, Enrollment, FollowUp
from tests.agencies.factories import AgencyFactory
from tests.cases.factories import DistrictOfficeFactory, NgoFactory
from tests.funding.factories import (
    BAD_AMOUNTS,
    JADUP,
    JADUP_MONTHS,
    PACKAGE,
    TRANSPORT_CAP,
    UEP,
    AllocationFactory,
    BenefitFactory,
    EntitlementFactory,
    FundingSourceFactory,
    batch_that_ran,
    planned_cases,
    this_year,
)
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

E = Enrollment.Status


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan tata boga", attendance_threshold=80)


@pytest.fixture
def ceiling():
    """Room for ten packages; a test about a tight budget overrides it."""
    return 10 * PACKAGE


@pytest.fixture
def allocation(semarang, program, ceiling):
    source = FundingSourceFactory(agency=AgencyFactory(ministry=True), name="APBN Kemensos")
    return AllocationFactory(source=source, program=program, district=semarang, ceiling=ceiling)


@pytest.fixture
def package(staff, program, allocation) -> tuple[Benefit, Benefit]:
    """The Banyuwangi package: UEP Rp5.000.000 and jaminan hidup 3 × Rp600.000, added through the service."""
    grant = services.benefit_add(
        actor=staff, program=program, kind=Benefit.Kind.BUSINESS_GRANT, amount=UEP, allocation=allocation
    )
    allowance = services.benefit_add(
        actor=staff,
        program=program,
        kind=Benefit.Kind.LIVING_ALLOWANCE,
        amount=JADUP,
        installments=JADUP_MONTHS,
        allocation=allocation,
    )
    return grant, allowance


@pytest.fixture
def ran(staff, semarang, program, package):
    """A batch that ran: two cases present at 5 and 4 of 5 sessions (complete), one at 2 (does not)."""
    full, most, few = planned_cases(semarang, 3)
    batch, enrollments = batch_that_ran(staff, program, {full: 5, most: 4, few: 2})
    return batch, enrollments, (full, most), few


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _ledger_committed(**lookup) -> int:
    return LedgerEntry.objects.filter(**lookup).aggregate(total=Sum("committed_delta"))["total"] or 0


def _money_rows() -> tuple:
    return (Entitlement.objects.count(), LedgerEntry.objects.count(), Allocation.objects.get().committed)


# Completion


def test_completing_a_batch_entitles_each_completed_enrollment_to_each_benefit_once(staff, ran, package):
    batch, enrollments, completed, _few = ran
    grant, allowance = package

    program_services.batch_complete(actor=staff, batch=batch)

    rows = Entitlement.objects.values_list("enrollment", "case", "benefit", "total", "status")
    assert sorted(rows) == sorted(
        (enrollments[case].pk, case.pk, benefit.pk, benefit.total, Entitlement.Status.ACTIVE)
        for case in completed
        for benefit in (grant, allowance)
    )


def test_the_living_allowance_comes_in_three_monthly_installments_and_the_grant_in_one(staff, ran, package):
    batch, _enrollments, (case, _other), _few = ran
    grant, allowance = package
    today = timezone.localdate()

    program_services.batch_complete(actor=staff, batch=batch)

    monthly = Entitlement.objects.get(case=case, benefit=allowance)
    assert list(monthly.installments.values_list("number", "amount", "due_on")) == [
        (1, JADUP, today),
        (2, JADUP, today + relativedelta(months=1)),
        (3, JADUP, today + relativedelta(months=2)),
    ]
    once = Entitlement.objects.get(case=case, benefit=grant)
    assert list(once.installments.values_list("number", "amount")) == [(1, UEP)]


def test_completion_commits_the_package_per_person_in_the_ledger_and_the_allocation(staff, ran, allocation):
    batch, _enrollments, completed, _few = ran

    program_services.batch_complete(actor=staff, batch=batch)

    for case in completed:
        assert _ledger_committed(entitlement__case=case) == PACKAGE == 6_800_000
    assert set(LedgerEntry.objects.values_list("kind", flat=True)) == {LedgerEntry.Kind.COMMIT}
    assert set(LedgerEntry.objects.values_list("recorded_by", flat=True)) == {staff.pk}
    allocation.refresh_from_db()
    assert (allocation.committed, allocation.paid) == (2 * PACKAGE, 0)
    assert allocation.remaining == 8 * PACKAGE
    assert AuditEvent.objects.filter(action="funding.entitlement.created").count() == 4


def test_completing_again_entitles_nobody_twice(staff, ran, allocation):
    batch, *_rest = ran
    program_services.batch_complete(actor=staff, batch=batch)
    entitlements = set(Entitlement.objects.values_list("pk", "enrollment", "benefit", "total"))
    ledger = set(LedgerEntry.objects.values_list("pk", "committed_delta"))

    program_services.batch_complete(actor=staff, batch=batch)

    assert set(Entitlement.objects.values_list("pk", "enrollment", "benefit", "total")) == entitlements
    assert set(LedgerEntry.objects.values_list("pk", "committed_delta")) == ledger
    assert len(entitlements) == 4
    assert _fresh(allocation).committed == 2 * PACKAGE


def test_an_enrollment_that_did_not_complete_gets_nothing(staff, ran):
    batch, enrollments, _completed, few = ran

    program_services.batch_complete(actor=staff, batch=batch)

    assert _fresh(enrollments[few]).status == E.NOT_COMPLETED
    assert not Entitlement.objects.filter(case=few).exists()
    assert not LedgerEntry.objects.filter(entitlement__case=few).exists()


def test_a_batch_of_a_program_without_a_package_completes_without_money(staff, semarang):
    program = ProgramFactory(organizer=semarang)
    (case,) = planned_cases(semarang, 1)
    batch, enrollments = batch_that_ran(staff, program, {case: 5})

    program_services.batch_complete(actor=staff, batch=batch)

    assert _fresh(enrollments[case]).status == E.COMPLETED
    assert not Entitlement.objects.exists()


@pytest.mark.parametrize("ceiling", [PACKAGE + 1_000_000])
def test_a_package_that_does_not_fit_what_is_left_refuses_the_whole_completion_naming_the_remaining(
    staff, ran, allocation
):
    batch, enrollments, *_rest = ran
    # The first person's package fits (Rp1.000.000 is then left); the second person's grant does not.

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        program_services.batch_complete(actor=staff, batch=batch)

    assert list(exc.value.message_dict) == ["amount"]
    with translation.override("en"):
        left = {"needed": "Rp5.000.000", "remaining": "Rp1.000.000", "allocation": allocation}
        assert exc.value.message_dict["amount"] == [refusals.MORE_THAN_LEFT % left]
    # Nothing of the completion stays: not the statuses, not the follow-ups, not a rupiah of the package.
    assert {_fresh(e).status for e in enrollments.values()} == {E.ENROLLED}
    assert _fresh(batch).status == Batch.Status.RUNNING
    assert not FollowUp.objects.exists()
    assert _money_rows() == (0, 0, 0)


@pytest.mark.parametrize("ceiling", [2 * PACKAGE])
def test_a_package_that_exactly_fits_what_is_left_is_committed_to_the_last_rupiah(staff, ran, allocation):
    batch, *_rest = ran

    program_services.batch_complete(actor=staff, batch=batch)

    allocation.refresh_from_db()
    assert (allocation.committed, allocation.remaining) == (2 * PACKAGE, 0)


def test_a_closed_allocation_refuses_the_completion(staff, ran, allocation):
    batch, enrollments, *_rest = ran
    Allocation.objects.filter(pk=allocation.pk).update(closed=True)  # the ministry closed its books

    with pytest.raises(ValidationError) as exc:
        program_services.batch_complete(actor=staff, batch=batch)

    assert list(exc.value.message_dict) == ["allocation"]
    assert {_fresh(e).status for e in enrollments.values()} == {E.ENROLLED}
    assert _money_rows() == (0, 0, 0)


# By hand: transport at its actual cost, up to the cap


@pytest.fixture
def transport(program, allocation):
    """Repatriation transport, capped at Rp750.000 a person."""
    return BenefitFactory(program=program, allocation=allocation, transport=True)


@pytest.fixture
def returning(semarang):
    """A case going home after the site closed."""
    return planned_cases(semarang, 1)[0]


@pytest.mark.parametrize("cost", [1, 480_000, TRANSPORT_CAP])
def test_transport_is_entitled_at_its_actual_cost_up_to_the_cap(staff, returning, transport, allocation, cost):
    entitlement = services.entitlement_create(actor=staff, case=returning, benefit=transport, amount=cost)

    assert (entitlement.total, entitlement.allocation, entitlement.enrollment) == (cost, allocation, None)
    assert list(entitlement.installments.values_list("number", "amount")) == [(1, cost)]
    (entry,) = LedgerEntry.objects.all()
    assert (entry.kind, entry.committed_delta, entry.paid_delta, entry.entitlement) == (
        LedgerEntry.Kind.COMMIT,
        cost,
        0,
        entitlement,
    )
    assert _fresh(allocation).committed == cost


def test_transport_without_a_cost_is_entitled_at_the_cap(staff, returning, transport):
    entitlement = services.entitlement_create(actor=staff, case=returning, benefit=transport)

    assert entitlement.total == TRANSPORT_CAP


def test_transport_above_the_cap_is_refused_naming_both_amounts(staff, returning, transport):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.entitlement_create(actor=staff, case=returning, benefit=transport, amount=TRANSPORT_CAP + 1)

    with translation.override("en"):
        expected = refusals.ABOVE_BENEFIT_CAP % {"amount": "Rp750.001", "cap": "Rp750.000"}
        assert exc.value.message_dict == {"amount": [expected]}
    assert _money_rows() == (0, 0, 0)


@pytest.mark.parametrize("cost", BAD_AMOUNTS)
def test_a_cost_that_is_not_a_positive_whole_number_of_rupiah_is_refused_naming_it(staff, returning, transport, cost):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.entitlement_create(actor=staff, case=returning, benefit=transport, amount=cost)

    assert list(exc.value.message_dict) == ["amount"]
    with translation.override("en"):
        assert str(cost) in exc.value.message_dict["amount"][0]
    assert _money_rows() == (0, 0, 0)


@pytest.mark.parametrize("ceiling", [UEP + 300_000])
def test_an_entitlement_up_to_what_is_left_is_committed(staff, returning, transport, allocation):
    EntitlementFactory(actor=staff, benefit=BenefitFactory(program=transport.program, allocation=allocation))

    services.entitlement_create(actor=staff, case=returning, benefit=transport, amount=300_000)

    assert _money_rows() == (2, 2, UEP + 300_000)


@pytest.mark.parametrize("ceiling", [UEP + 300_000])
def test_an_entitlement_past_what_is_left_is_refused_naming_the_remaining(staff, returning, transport, allocation):
    EntitlementFactory(actor=staff, benefit=BenefitFactory(program=transport.program, allocation=allocation))

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.entitlement_create(actor=staff, case=returning, benefit=transport, amount=300_001)

    assert list(exc.value.message_dict) == ["amount"]
    with translation.override("en"):
        left = {"needed": "Rp300.001", "remaining": "Rp300.000", "allocation": allocation}
        assert exc.value.message_dict["amount"] == [refusals.MORE_THAN_LEFT % left]
    assert _money_rows() == (1, 1, UEP)


@pytest.mark.parametrize(
    "close",
    [
        pytest.param(lambda a: Allocation.objects.filter(pk=a.pk).update(closed=True), id="closed"),
        pytest.param(lambda a: Allocation.objects.filter(pk=a.pk).update(fiscal_year=this_year() - 1), id="last-year"),
    ],
)
def test_an_allocation_of_a_closed_fiscal_year_refuses_new_entitlements(staff, returning, transport, close):
    close(transport.allocation)

    with pytest.raises(ValidationError) as exc:
        services.entitlement_create(actor=staff, case=returning, benefit=transport, amount=480_000)

    assert list(exc.value.message_dict) == ["allocation"]
    assert _money_rows() == (0, 0, 0)


def test_an_ngo_caseworker_who_registered_the_case_may_not_grant_money(member, semarang, transport):
    lentera = NgoFactory()
    caseworker = member(Role.NGO_CASEWORKER, agency=lentera)
    (case,) = planned_cases(semarang, 1, registered_by=lentera)

    with pytest.raises(PermissionDenied):
        services.entitlement_create(actor=caseworker, case=case, benefit=transport, amount=480_000)

    assert _money_rows() == (0, 0, 0)


def test_staff_of_another_district_may_not_grant_money_to_this_districts_case(member, returning, transport):
    elsewhere = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region__code="33.03"))

    with pytest.raises(Http404):
        services.entitlement_create(actor=elsewhere, case=returning, benefit=transport, amount=480_000)

    assert _money_rows() == (0, 0, 0)


# Cancelling


@pytest.fixture
def allowance(staff, returning, program, allocation):
    """Jaminan hidup of 3 × Rp600.000 granted by hand to one case."""
    benefit = BenefitFactory(program=program, allocation=allocation, living_allowance=True)
    return EntitlementFactory(actor=staff, case=returning, benefit=benefit)


def _pay_first_month(staff, approver, entitlement) -> Disbursement:
    first = entitlement.installments.get(number=1)
    request = services.disbursement_request(actor=staff, installment=first)
    services.disbursement_approve(actor=approver, disbursement=request)
    return services.disbursement_pay(
        actor=staff,
        disbursement=request,
        method=Disbursement.Method.BANK_TRANSFER,
        reference="BRI-0001",
        paid_on=timezone.localdate() - datetime.timedelta(days=1),
    )


def test_cancelling_an_entitlement_releases_all_of_it_when_nothing_was_paid(staff, allowance, allocation):
    services.entitlement_cancel(actor=staff, entitlement=allowance)

    assert _fresh(allowance).status == Entitlement.Status.CANCELLED
    release = LedgerEntry.objects.get(kind=LedgerEntry.Kind.RELEASE)
    assert (release.committed_delta, release.entitlement) == (-1_800_000, allowance)
    assert _fresh(allocation).committed == 0
    assert AuditEvent.objects.get(action="funding.entitlement.cancelled").data == {"released": 1_800_000}


def test_cancelling_an_entitlement_releases_only_its_unpaid_part(staff, approver, allowance, allocation):
    _pay_first_month(staff, approver, allowance)

    services.entitlement_cancel(actor=staff, entitlement=allowance)

    release = LedgerEntry.objects.get(kind=LedgerEntry.Kind.RELEASE)
    assert release.committed_delta == -1_200_000
    allocation.refresh_from_db()
    assert (allocation.committed, allocation.paid) == (JADUP, JADUP)


@pytest.mark.parametrize("decided", [False, True], ids=["requested", "approved"])
def test_an_entitlement_with_a_pending_disbursement_cannot_be_cancelled(
    staff, approver, allowance, allocation, decided
):
    request = services.disbursement_request(actor=staff, installment=allowance.installments.get(number=1))
    if decided:
        services.disbursement_approve(actor=approver, disbursement=request)

    with pytest.raises(ValidationError) as exc:
        services.entitlement_cancel(actor=staff, entitlement=allowance)

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(allowance).status == Entitlement.Status.ACTIVE
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RELEASE).exists()
    assert _fresh(allocation).committed == 1_800_000


def test_an_entitlement_is_cancelled_once(staff, allowance, allocation):
    services.entitlement_cancel(actor=staff, entitlement=allowance)

    with pytest.raises(ValidationError) as exc:
        services.entitlement_cancel(actor=staff, entitlement=allowance)

    assert list(exc.value.message_dict) == ["status"]
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RELEASE).count() == 1
    assert _fresh(allocation).committed == 0


@pytest.mark.parametrize("role", [Role.FINANCE_APPROVER, Role.AUDITOR])
def test_only_the_owning_office_cancels_an_entitlement(member, semarang, allowance, role):
    onlooker = member(role, agency=semarang)

    with pytest.raises(PermissionDenied):
        services.entitlement_cancel(actor=onlooker, entitlement=allowance)

    assert _fresh(allowance).status == Entitlement.Status.ACTIVE
