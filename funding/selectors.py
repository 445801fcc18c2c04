"""Reads of money, through the access rule: the budget realization report (realisasi anggaran)."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from agencies import access

from .models import Allocation, LedgerEntry

GROUPINGS = {
    "allocation": ("name", "source__name"),
    "source": ("source__name",),
    "program": ("program__name",),
    "district": ("district__name",),
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
    def realized(self) -> int | None:
        """Paid as a share of the ceiling, in whole percent."""
        return round(100 * self.paid / self.ceiling) if self.ceiling else None


def _ledger_total(field: str):
    per_allocation = (
        LedgerEntry.objects.filter(allocation=OuterRef("pk"))
        .order_by()
        .values("allocation")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(per_allocation[:1]), Value(0))


def realization(actor, *, by: str = "allocation", fiscal_year: int | None = None) -> list[RealizationRow]:
    """Ceiling, committed, paid, remaining and % realized per allocation, source, program, district or month.

    Sums of the ledger in one query whatever the number of entries; only allocations `actor` may see.
    """
    allocations = access.visible_to(actor, Allocation)
    if fiscal_year:
        allocations = allocations.filter(fiscal_year=fiscal_year)
    if by == "month":
        months = (
            LedgerEntry.objects.filter(allocation__in=allocations)
            .annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(committed=Sum("committed_delta"), paid=Sum("paid_delta"))
            .order_by("month")
        )
        return [
            RealizationRow((row["month"].strftime("%Y-%m"),), None, row["committed"], row["paid"]) for row in months
        ]
    fields = GROUPINGS[by]
    rows = (
        allocations.annotate(ledger_committed=_ledger_total("committed_delta"), ledger_paid=_ledger_total("paid_delta"))
        .values(*fields)
        .annotate(total_ceiling=Sum("ceiling"), total_committed=Sum("ledger_committed"), total_paid=Sum("ledger_paid"))
        .order_by(*fields)
    )
    return [
        RealizationRow(
            tuple(row[f] or "-" for f in fields), row["total_ceiling"], row["total_committed"], row["total_paid"]
        )
        for row in rows
    ]
