"""The money's figures in the indicator catalogue (issue 17): ceilings, commitments, payments and realization by
source, allocation, program, regency/city and month of payment, and the people paid.

They agree with the budget realization report (funding.selectors.realization): ceiling, committed and paid per
allocation from the allocation's own totals (the ledger's sums, kept under its lock), realization as paid over
ceiling, and money per month from the ledger, a payment in the month it was paid. Each `compute` is one GROUP BY.

`district` of a sum of money is the regency/city of the allocation's district office, else of the office holding
the source (a regency/city's own budget); a province or ministry allocation not divided among districts has none
and is read only at national level. `program` is the allocation's program. Sums of budget are not about people
and are not suppressed; the count of people paid is.
"""

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from agencies.indicators import Dimension, Indicator, Unit, register, register_labels
from cases.indicators import facts, month_of, regency_code

from .access_rules import BUDGET_READERS
from .models import Allocation, Disbursement, FundingSource, LedgerEntry
from .selectors import _booked_on

SECTION = _("Funding")
# Who reads budgets today (funding.access_rules): province and district staff, finance approvers, auditors and
# leadership. Never NGO caseworkers or partner trainers.
READERS = frozenset(BUDGET_READERS)

M, D, P = Dimension.MONTH.value, Dimension.DISTRICT.value, Dimension.PROGRAM.value
SOURCE, ALLOCATION = Dimension.SOURCE.value, Dimension.ALLOCATION.value
MONEY_DIMS = (M, D, SOURCE, ALLOCATION, P)


# The groupings' names in a row: Allocation and LedgerEntry have fields called `district`, `program`, `allocation`.
AS = "of_"


def _allocation_dims(allocation: str = "") -> dict:
    """The money's dimensions of the allocation at `allocation` (a path; "" on Allocation itself)."""
    at = f"{allocation}__" if allocation else ""
    district = Coalesce(regency_code(f"{at}district__region"), regency_code(f"{at}source__agency__region"))
    return {
        f"{AS}allocation": F(f"{allocation}_id" if allocation else "id"),
        f"{AS}district": district,
        f"{AS}source": F(f"{at}source_id"),
        f"{AS}program": F(f"{at}program_id"),
    }


def _per_allocation(**value):
    """Figures read off each allocation's own totals: a figure of now, not of a month (month None)."""
    return Allocation.objects.values(**_allocation_dims()).annotate(**value).order_by()


def compute_ceiling() -> list:
    return facts(_per_allocation(value=Sum("ceiling")), MONEY_DIMS, prefix=AS, month=None)


def compute_realization() -> list:
    rows = _per_allocation(value=Sum("paid"), base=Sum("ceiling"))
    return facts(rows, MONEY_DIMS, base="base", prefix=AS, month=None)


def _ledger(entries, delta: str, month) -> list:
    rows = (
        entries.values(**{f"{AS}month": month_of(month)}, **_allocation_dims("allocation"))
        .annotate(value=Sum(delta))
        .order_by()
    )
    return facts(rows, MONEY_DIMS, prefix=AS)


def compute_committed() -> list:
    # Commitments and their releases, in the month they were written: what the realization report shows per month.
    entries = LedgerEntry.objects.exclude(committed_delta=0)
    return _ledger(entries, "committed_delta", _booked_on())


def compute_paid() -> list:
    # Payments in the month they were paid (often recorded days later), reversals in the month they were written.
    entries = LedgerEntry.objects.exclude(paid_delta=0)
    return _ledger(entries, "paid_delta", _booked_on())


def compute_people_paid() -> list:
    paid = Disbursement.objects.filter(status=Disbursement.Status.PAID)
    # Each entitlement once, at its first payment still standing (a reversed one no longer counts).
    earlier = paid.filter(installment__entitlement=OuterRef("installment__entitlement")).filter(
        Q(paid_on__lt=OuterRef("paid_on")) | Q(paid_on=OuterRef("paid_on"), pk__lt=OuterRef("pk"))
    )
    entitlement = "installment__entitlement"
    rows = (
        paid.filter(~Exists(earlier))
        .values(
            month=month_of("paid_on"),
            district=F(f"{entitlement}__case__owner__region_id"),
            source=F(f"{entitlement}__allocation__source_id"),
            allocation=F(f"{entitlement}__allocation_id"),
            program=F(f"{entitlement}__benefit__program_id"),
        )
        .annotate(value=Count("id"))
        .order_by()
    )
    return facts(rows, MONEY_DIMS)


def _money(code, label, definition, compute, unit=Unit.RUPIAH, about_people=False):
    return register(
        Indicator(
            code=code,
            label=label,
            definition=definition,
            unit=unit,
            dimensions=MONEY_DIMS,
            roles=READERS,
            compute=compute,
            section=SECTION,
            about_people=about_people,
        )
    )


ceiling = _money(
    "funding.ceiling",
    _("Budget ceiling"),
    _(
        "The ceilings of the allocations, in Rupiah, by funding source, allocation, program and regency/city; not a "
        "month's figure (an allocation belongs to its fiscal year)."
    ),
    compute_ceiling,
)

committed = _money(
    "funding.committed",
    _("Committed"),
    _(
        "Money committed to people's entitlements in the month, less commitments released, in Rupiah, by funding "
        "source, allocation, program and regency/city."
    ),
    compute_committed,
)

paid = _money(
    "funding.paid",
    _("Paid"),
    _(
        "Money paid out in the month (by the day it was paid), less payments reversed, in Rupiah, by funding "
        "source, allocation, program and regency/city."
    ),
    compute_paid,
)

realization = _money(
    "funding.realization",
    _("Budget realization"),
    _(
        "Money paid so far as a share of the allocations' ceilings, by funding source, allocation, program and "
        "regency/city, as the realization report shows it; not a month's figure."
    ),
    compute_realization,
    unit=Unit.PERCENT,
)

people_paid = _money(
    "funding.people_paid",
    _("People paid"),
    _(
        "Entitlements paid for the first time in the month (a person paid both a grant and an allowance counts "
        "once for each), by funding source, allocation, the program of the benefit and the regency/city of the "
        "office that owns the case."
    ),
    compute_people_paid,
    unit=Unit.COUNT,
    about_people=True,
)


# Labels of this app's dimension values, for the figures layer (registered at the end).


def source_labels(keys) -> dict:
    sources = FundingSource.objects.filter(pk__in=[k for k in keys if k is not None])
    return {pk: f"{name} {year}" for pk, name, year in sources.values_list("pk", "name", "fiscal_year")}


def allocation_labels(keys) -> dict:
    allocations = Allocation.objects.filter(pk__in=[k for k in keys if k is not None])
    return {pk: f"{name} ({source})" for pk, name, source in allocations.values_list("pk", "name", "source__name")}


register_labels(Dimension.SOURCE, source_labels)
register_labels(Dimension.ALLOCATION, allocation_labels)
