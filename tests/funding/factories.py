"""Budgets as plain rows (nothing committed yet, so the empty ledger agrees with them); entitlements and every
movement of money through funding.services, so the ledger, the locks and the audit trail are the real ones."""

import datetime
from decimal import Decimal

import factory
import pytest
from django.utils import timezone

from cases.models import Case
from funding import services
from funding.models import Allocation, Benefit, Disbursement, Entitlement, FundingSource
from programs import services as program_services
from programs.models import Batch, Enrollment, Program
from tests.cases.factories import CaseFactory, DistrictOfficeFactory
from tests.programs.factories import BatchFactory, SessionFactory, days_from_today

# The Banyuwangi package (seeds): a business grant (UEP) and a living allowance (jaminan hidup) of three months.
UEP = 5_000_000
JADUP = 600_000
JADUP_MONTHS = 3
PACKAGE = UEP + JADUP * JADUP_MONTHS  # Rp6.800.000 per person
TRANSPORT_CAP = 750_000


# Amounts no service may take (each below every cap, ceiling and installment the tests use, so that only its
# form can be the reason for refusing it): zero, negative, fractional Rupiah, floats, booleans, not a number.
BAD_AMOUNTS = [
    pytest.param(0, id="zero"),
    pytest.param(-600_000, id="negative"),
    pytest.param(600_000.5, id="fractional-float"),
    pytest.param(Decimal("0.5"), id="fractional-decimal"),
    pytest.param(Decimal("600000.01"), id="one-sen"),
    pytest.param(True, id="boolean"),
    pytest.param(600_000.0, id="whole-float"),
    pytest.param(Decimal("NaN"), id="nan"),
    pytest.param(float("inf"), id="infinity"),
]


def this_year() -> int:
    return timezone.localdate().year


class FundingSourceFactory(factory.django.DjangoModelFactory):
    """A regency/city budget (APBD) of this fiscal year, held by a district office (Kota Semarang's unless told)."""

    class Meta:
        model = FundingSource

    name = factory.Sequence(lambda n: f"APBD Kota Semarang, rehabilitasi sosial {n}")
    kind = FundingSource.Kind.APBD_DISTRICT
    agency = factory.SubFactory(DistrictOfficeFactory)
    fiscal_year = factory.LazyFunction(this_year)


class AllocationFactory(factory.django.DjangoModelFactory):
    """A ceiling of Rp100.000.000 of a source for the district holding it, with nothing committed or paid."""

    class Meta:
        model = Allocation

    source = factory.SubFactory(FundingSourceFactory)
    name = factory.Sequence(lambda n: f"Alokasi {n}")
    fiscal_year = factory.SelfAttribute("source.fiscal_year")
    district = factory.SelfAttribute("source.agency")
    program = None
    ceiling = 100_000_000


class BenefitFactory(factory.django.DjangoModelFactory):
    """A UEP business grant of Rp5.000.000 in a program's package, paid from an allocation of its organizer."""

    class Meta:
        model = Benefit

    program = None  # required: a program from tests.programs.factories.ProgramFactory
    kind = Benefit.Kind.BUSINESS_GRANT
    amount = UEP
    allocation = factory.SubFactory(
        AllocationFactory,
        program=factory.SelfAttribute("..program"),
        source__agency=factory.SelfAttribute("...program.organizer"),
    )

    class Params:
        living_allowance = factory.Trait(kind=Benefit.Kind.LIVING_ALLOWANCE, amount=JADUP, installments=JADUP_MONTHS)
        transport = factory.Trait(kind=Benefit.Kind.TRANSPORT, amount=TRANSPORT_CAP)


class EntitlementFactory(factory.Factory):
    """An entitlement granted by hand through funding.services.entitlement_create: committed in the ledger.

    Pass `actor` (district staff of the case's owner) and `benefit`. The case defaults to one owned by the
    program's organizer.
    """

    class Meta:
        model = Entitlement

    actor = None
    benefit = None
    case = factory.SubFactory(CaseFactory, owner=factory.SelfAttribute("..benefit.program.organizer"))
    amount = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.entitlement_create(**kwargs)


def planned_cases(owner, count: int, **kwargs) -> list[Case]:
    return [CaseFactory(owner=owner, stage=Case.Stage.PLANNED, **kwargs) for _ in range(count)]


def batch_that_ran(actor, program: Program, days_present: dict[Case, int]) -> tuple[Batch, dict[Case, Enrollment]]:
    """A five-day batch of `program` that ran last week, each case present at its first `days_present[case]`
    sessions; the batch is still running, ready for programs.services.batch_complete.

    Everything goes through programs.services, as staff would do it: enrollment, start, attendance.
    """
    starts_on = days_from_today(-10)
    batch = BatchFactory(program=program, starts_on=starts_on, capacity=len(days_present))
    sessions = [SessionFactory(batch=batch, date=starts_on + datetime.timedelta(days=day)) for day in range(5)]
    enrollments = {
        case: program_services.enrollment_create(actor=actor, batch=batch, case=case) for case in days_present
    }
    program_services.batch_set_status(actor=actor, batch=batch, status=Batch.Status.RUNNING)
    for day, session in enumerate(sessions):
        program_services.attendance_record(
            actor=actor,
            session=session,
            present={enrollments[case].pk: day < days for case, days in days_present.items()},
        )
    return batch, enrollments


def request_payment(staff, entitlement: Entitlement, number: int = 1) -> Disbursement:
    """The installment `number` of `entitlement`, requested by `staff`."""
    return services.disbursement_request(actor=staff, installment=entitlement.installments.get(number=number))


def pay(staff, approver, entitlement: Entitlement, number: int = 1, paid_on: datetime.date | None = None):
    """The installment `number` of `entitlement` requested, approved and paid by bank transfer (today unless told)."""
    disbursement = request_payment(staff, entitlement, number)
    services.disbursement_approve(actor=approver, disbursement=disbursement)
    return services.disbursement_pay(
        actor=staff,
        disbursement=disbursement,
        method=Disbursement.Method.BANK_TRANSFER,
        reference="BRI-0042",
        paid_on=paid_on or timezone.localdate(),
    )
