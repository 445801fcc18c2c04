"""Reads of money, through the access rule: the budget realization report (realisasi anggaran), and where each
installment stands."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DateField, F, OuterRef, QuerySet, Subquery, Sum, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.fastpath import memo
from agencies.fastpath.statements import Slot, compile_values

from .models import Allocation, Disbursement, Installment, LedgerEntry

GROUPINGS = {
    "allocation": ("name", "source__name"),
    "source": ("source__name",),
    "program": ("program__name",),
    "district": ("district__name",),
}
# What each grouping is called on the page and in the exports; the allocation grouping also names its source.
GROUPING_LABELS = {
    "allocation": _("allocation"),
    "source": _("funding source"),
    "program": _("program"),
    "district": _("district office"),
    "month": _("month"),
}


@dataclass
class RealizationRow:
    labels: tuple
    ceiling: int | None
    committed: int
    paid: int

    @property
    def remaining(self) -> int | None:
        return None if self.ceiling is None else self.ceiling - self.committed

    @property
    def realized(self) -> Decimal | None:
        """Paid as a share of the ceiling, in percent to one decimal: 0.4% realized is not 0%."""
        return (Decimal(100 * self.paid) / self.ceiling).quantize(Decimal("0.1")) if self.ceiling else None


def realization(actor, *, by: str = "allocation", fiscal_year: int | None = None) -> list[RealizationRow]:
    """Ceiling, committed, paid, remaining and % realized per allocation, source, program, district or month.

    One query whatever the number of ledger rows; only allocations `actor` may see. Per allocation, source,
    program or district from each allocation's committed and paid: the ledger's sums, kept by funding.services
    under the allocation's lock in the transaction that writes the ledger rows (`manage.py reconcile_funding`
    checks them against the ledger). Per month from the ledger itself, which alone knows when money moved.
    """
    if by != "month" and settings.REALIZATION_COMPILED:
        # The grouped query's SQL is the same on every call for the same scope, grouping and "a year or not": it is
        # compiled once per scope (agencies.fastpath.memo, the access rule's own key) and run as a prepared
        # statement. Compiling it through the ORM cost twice what PostgreSQL takes to sum a district's allocations.
        statement = memo.derived_from_scope(actor, Allocation, _COMPILED[(by, bool(fiscal_year))], shaped_by=_as_is)
        if statement is not None:
            rows = statement.rows(**({YEAR.name: fiscal_year} if fiscal_year else {}))
            return [_realization_row(row, GROUPINGS[by]) for row in rows]
    allocations = access.visible_to(actor, Allocation)
    if fiscal_year:
        allocations = allocations.filter(fiscal_year=fiscal_year)
    if by == "month":
        months = (
            LedgerEntry.objects.filter(allocation__in=allocations)
            .annotate(month=TruncMonth(_booked_on(), output_field=DateField()))
            .values("month")
            .annotate(committed=Sum("committed_delta"), paid=Sum("paid_delta"))
            .order_by("month")
        )
        return [RealizationRow((row["month"],), None, row["committed"], row["paid"]) for row in months]
    return [_realization_row(row, GROUPINGS[by]) for row in _grouped(allocations, by)]


def _grouped(allocations: QuerySet[Allocation], by: str) -> QuerySet:
    """Ceiling, committed and paid of `allocations`, summed per `by` (not month), in the grouping's order."""
    fields = GROUPINGS[by]
    return (
        allocations.values(*fields)
        .annotate(total_ceiling=Sum("ceiling"), total_committed=Sum("committed"), total_paid=Sum("paid"))
        .order_by(*fields)
    )


def _realization_row(row: dict, fields: tuple) -> RealizationRow:
    labels = tuple(row[f] or "-" for f in fields)
    return RealizationRow(labels, row["total_ceiling"], row["total_committed"], row["total_paid"])


# Switch REALIZATION_COMPILED: the grouped realization compiled once per scope (`_grouped`, with the fiscal year as
# the statement's one parameter); off, or where it cannot be compiled, through the ORM on every call.
YEAR = Slot("fiscal_year", 30_303)


def _as_is(rows: QuerySet) -> QuerySet:
    return rows


def _compiler(by: str, yearly: bool):
    def compiled(allocations: QuerySet[Allocation]):
        if yearly:
            allocations = allocations.filter(fiscal_year=YEAR.marker)
        return compile_values(_grouped(allocations, by), *([YEAR] if yearly else []))

    return compiled


# One function per grouping and "a year or not": the memo keeps what each derives under the function itself.
_COMPILED = {(by, yearly): _compiler(by, yearly) for by in GROUPINGS for yearly in (False, True)}


def _booked_on():
    """The day a ledger row counts for: a payment on the day it was paid (often recorded days later, or in the
    next month), everything else on the day it was written, in the office's time zone."""
    return Case(
        When(kind=LedgerEntry.Kind.PAYMENT, disbursement__paid_on__isnull=False, then=F("disbursement__paid_on")),
        default=TruncDate("created_at"),
        output_field=DateField(),
    )


def with_payment_status(installments: QuerySet[Installment]) -> QuerySet[Installment]:
    """`installments` each annotated with `payment_status`: the status of its latest disbursement, None when
    none was ever requested; one subquery, not a query per row."""
    latest = Disbursement.objects.filter(installment=OuterRef("pk")).order_by("-requested_at", "-id")
    return installments.annotate(payment_status=Subquery(latest.values("status")[:1]))


def realization_years(actor) -> list[int]:
    """The fiscal years of the allocations `actor` may see, latest first: the realization's year choices."""
    if settings.REALIZATION_COMPILED:
        statement = memo.derived_from_scope(actor, Allocation, _compiled_years, shaped_by=_as_is)
        if statement is not None:
            return [row["fiscal_year"] for row in statement.rows()]
    return list(_years(access.visible_to(actor, Allocation)).values_list("fiscal_year", flat=True))


def _years(allocations: QuerySet[Allocation]) -> QuerySet:
    return allocations.order_by("-fiscal_year").values("fiscal_year").distinct()


def _compiled_years(allocations: QuerySet[Allocation]):
    return compile_values(_years(allocations))
