"""Funding sources, allocations and benefit packages: ceilings in whole Rupiah, closed fiscal years, and never a
ceiling below what is already committed (issue 5 §1, §2 and "What bad input gets")."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import translation

from agencies.models import AuditEvent, Role
from funding import refusals, services
from funding.models import Allocation, Benefit, FundingSource, LedgerEntry
from tests.cases.factories import DistrictOfficeFactory
from tests.funding.factories import (
    BAD_AMOUNTS,
    JADUP,
    UEP,
    AllocationFactory,
    BenefitFactory,
    EntitlementFactory,
    FundingSourceFactory,
    this_year,
)
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(semarang):
    return FundingSourceFactory(agency=semarang, name="APBD Kota Semarang")


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan menjahit")


def _create_allocation(staff, source, ceiling, **kwargs):
    return services.allocation_create(
        actor=staff, source=source, name="Rehabilitasi eks PSK", ceiling=ceiling, district=source.agency, **kwargs
    )


def _nothing_allocated():
    return not Allocation.objects.exists() and not AuditEvent.objects.filter(action__startswith="funding.").exists()


# Sources and allocations


def test_district_staff_record_a_budget_of_their_own_office(staff, semarang):
    source = services.funding_source_create(
        actor=staff, name="APBD Kota Semarang", kind=FundingSource.Kind.APBD_DISTRICT, fiscal_year=this_year()
    )

    assert source.agency == semarang
    assert AuditEvent.objects.filter(action="funding.funding_source.created", target_id=str(source.pk)).exists()


def test_district_staff_set_aside_a_ceiling_with_nothing_committed_yet(staff, source):
    allocation = _create_allocation(staff, source, 100_000_000)

    allocation.refresh_from_db()
    assert (allocation.ceiling, allocation.committed, allocation.paid, allocation.remaining) == (
        100_000_000,
        0,
        0,
        100_000_000,
    )
    assert allocation.fiscal_year == source.fiscal_year
    event = AuditEvent.objects.get(action="funding.allocation.created")
    assert event.data == {"ceiling": 100_000_000}
    assert not LedgerEntry.objects.exists()  # a ceiling is not money moving


@pytest.mark.parametrize("ceiling", BAD_AMOUNTS)
def test_a_ceiling_that_is_not_a_positive_whole_number_of_rupiah_is_refused_naming_it(staff, source, ceiling):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _create_allocation(staff, source, ceiling)

    assert list(exc.value.message_dict) == ["ceiling"]
    with translation.override("en"):
        assert str(ceiling) in exc.value.message_dict["ceiling"][0]
    assert _nothing_allocated()


def test_a_ceiling_past_what_the_database_holds_is_refused(staff, source):
    with pytest.raises(ValidationError) as exc:
        _create_allocation(staff, source, 2**63)

    assert list(exc.value.message_dict) == ["ceiling"]
    assert _nothing_allocated()


def test_an_allocation_in_a_past_fiscal_year_is_refused(staff, source):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _create_allocation(staff, source, 100_000_000, fiscal_year=this_year() - 1)

    with translation.override("en"):
        assert exc.value.message_dict == {"allocation": [refusals.FISCAL_YEAR_CLOSED % {"year": this_year() - 1}]}
    assert _nothing_allocated()


def test_staff_of_another_district_cannot_allocate_from_this_offices_budget(member, source):
    elsewhere = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region__code="33.03"))

    with pytest.raises(Http404):
        _create_allocation(elsewhere, source, 100_000_000)

    assert _nothing_allocated()


def test_province_staff_allocate_from_a_district_budget_of_their_province(province_staff, source):
    allocation = _create_allocation(province_staff, source, 100_000_000)

    assert allocation.source == source


# Changing a ceiling


@pytest.fixture
def committed(staff, program, source):
    """An allocation of Rp20.000.000 with one UEP grant of Rp5.000.000 committed on it."""
    allocation = AllocationFactory(source=source, ceiling=20_000_000, program=program)
    EntitlementFactory(actor=staff, benefit=BenefitFactory(program=program, allocation=allocation))
    allocation.refresh_from_db()
    assert allocation.committed == UEP
    return allocation


@pytest.mark.parametrize("ceiling", [UEP, 8_000_000, 50_000_000])
def test_a_ceiling_may_change_down_to_what_is_committed(staff, committed, ceiling):
    services.allocation_update(actor=staff, allocation=committed, ceiling=ceiling)

    committed.refresh_from_db()
    assert (committed.ceiling, committed.committed, committed.remaining) == (ceiling, UEP, ceiling - UEP)
    event = AuditEvent.objects.get(action="funding.allocation.updated")
    assert event.data == {"changed": {"ceiling": [20_000_000, ceiling]}}


def test_lowering_a_ceiling_below_what_is_committed_is_refused_naming_the_committed_amount(staff, committed):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.allocation_update(actor=staff, allocation=committed, ceiling=UEP - 1)

    with translation.override("en"):
        assert exc.value.message_dict == {"ceiling": [refusals.CEILING_BELOW_COMMITTED % {"committed": "Rp5.000.000"}]}
    committed.refresh_from_db()
    assert committed.ceiling == 20_000_000
    assert not AuditEvent.objects.filter(action="funding.allocation.updated").exists()


@pytest.mark.parametrize("ceiling", [0, -20_000_000, 25_000_000.5, Decimal("0.5"), True])
def test_a_new_ceiling_that_is_not_a_positive_whole_number_is_refused(staff, committed, ceiling):
    with pytest.raises(ValidationError) as exc:
        services.allocation_update(actor=staff, allocation=committed, ceiling=ceiling)

    assert list(exc.value.message_dict) == ["ceiling"]
    committed.refresh_from_db()
    assert committed.ceiling == 20_000_000


def test_the_database_refuses_commitments_past_the_ceiling_even_around_the_services(committed):
    # As a writer that skipped funding.services would: the CHECK constraint is the backstop.
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=committed.pk).update(committed=F("ceiling") + 1)

    committed.refresh_from_db()
    assert committed.committed == UEP


def test_the_database_refuses_payments_past_the_commitments_even_around_the_services(committed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=committed.pk).update(paid=F("committed") + 1)

    committed.refresh_from_db()
    assert committed.paid == 0


# Benefit packages


def test_the_banyuwangi_package_is_a_grant_and_an_allowance_of_three_months(staff, program, source):
    allocation = AllocationFactory(source=source, program=program)

    grant = services.benefit_add(
        actor=staff, program=program, kind=Benefit.Kind.BUSINESS_GRANT, amount=UEP, allocation=allocation
    )
    allowance = services.benefit_add(
        actor=staff,
        program=program,
        kind=Benefit.Kind.LIVING_ALLOWANCE,
        amount=JADUP,
        installments=3,
        allocation=allocation,
    )

    assert (grant.total, allowance.installment_amount, allowance.total) == (UEP, JADUP, 1_800_000)
    assert list(program.benefits.order_by("kind")) == [grant, allowance]


def test_in_kind_goods_are_worth_their_unit_value_times_the_quantity(staff, program, source):
    goats = services.benefit_add(
        actor=staff,
        program=program,
        kind=Benefit.Kind.IN_KIND,
        amount=1_500_000,
        quantity=2,
        description="Kambing",
        allocation=AllocationFactory(source=source, program=program),
    )

    assert goats.total == 3_000_000


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_benefit_amount_that_is_not_a_positive_whole_number_is_refused(staff, program, source, amount):
    allocation = AllocationFactory(source=source, program=program)

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.benefit_add(
            actor=staff, program=program, kind=Benefit.Kind.BUSINESS_GRANT, amount=amount, allocation=allocation
        )

    assert list(exc.value.message_dict) == ["amount"]
    with translation.override("en"):
        assert str(amount) in exc.value.message_dict["amount"][0]
    assert not Benefit.objects.exists()


def test_only_a_living_allowance_is_paid_in_installments(staff, program, source):
    with pytest.raises(ValidationError) as exc:
        services.benefit_add(
            actor=staff,
            program=program,
            kind=Benefit.Kind.BUSINESS_GRANT,
            amount=UEP,
            installments=3,
            allocation=AllocationFactory(source=source, program=program),
        )

    assert list(exc.value.message_dict) == ["installments"]
    assert not Benefit.objects.exists()


def test_a_partner_trainer_may_not_add_to_a_programs_package(member, program, source):
    trainer = member(Role.PARTNER_TRAINER)

    with pytest.raises(PermissionDenied):
        services.benefit_add(
            actor=trainer,
            program=program,
            kind=Benefit.Kind.BUSINESS_GRANT,
            amount=UEP,
            allocation=AllocationFactory(source=source, program=program),
        )

    assert not Benefit.objects.exists()
