"""Checks the cached totals against the append-only ledger, and the ledger against what it records."""

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import Allocation, Disbursement, Entitlement, LedgerEntry


@dataclass(frozen=True)
class Drift:
    what: str
    pk: int
    ledger: int  # what the ledger adds up to
    recorded: int  # what the row itself says: a cached total, an entitlement's total, an amount paid

    def __str__(self):
        return f"{self.what} #{self.pk}: the ledger says {self.ledger}, the row says {self.recorded}"


def _ledger_sum(field: str, **link):
    rows = LedgerEntry.objects.filter(**link).order_by().values(next(iter(link)).split("__")[0])
    return Coalesce(Subquery(rows.annotate(total=Sum(field)).values("total")[:1]), Value(0))


def find_drift() -> list[Drift]:
    """Every disagreement, each from one aggregate query (never a loop of queries over rows)."""
    drift = []
    allocations = Allocation.objects.annotate(
        ledger_committed=_ledger_sum("committed_delta", allocation=OuterRef("pk")),
        ledger_paid=_ledger_sum("paid_delta", allocation=OuterRef("pk")),
    ).filter(~Q(committed=F("ledger_committed")) | ~Q(paid=F("ledger_paid")))
    for a in allocations:
        if a.committed != a.ledger_committed:
            drift.append(Drift("allocation committed", a.pk, ledger=a.ledger_committed, recorded=a.committed))
        if a.paid != a.ledger_paid:
            drift.append(Drift("allocation paid", a.pk, ledger=a.ledger_paid, recorded=a.paid))
    # An active entitlement is committed in full, a cancelled one only up to what was paid on it.
    entitlements = Entitlement.objects.annotate(
        ledger_committed=_ledger_sum("committed_delta", entitlement=OuterRef("pk")),
        ledger_paid=_ledger_sum("paid_delta", entitlement=OuterRef("pk")),
    ).filter(
        (Q(status=Entitlement.Status.ACTIVE) & ~Q(ledger_committed=F("total")))
        | (Q(status=Entitlement.Status.CANCELLED) & ~Q(ledger_committed=F("ledger_paid")))
    )
    for e in entitlements:
        expected = e.total if e.status == Entitlement.Status.ACTIVE else e.ledger_paid
        drift.append(Drift("entitlement committed", e.pk, ledger=e.ledger_committed, recorded=expected))
    # A paid disbursement has paid its amount; any other has a net payment of nothing.
    disbursements = Disbursement.objects.annotate(
        ledger_paid=_ledger_sum("paid_delta", disbursement=OuterRef("pk")),
    ).filter(
        (Q(status=Disbursement.Status.PAID) & ~Q(ledger_paid=F("amount")))
        | (~Q(status=Disbursement.Status.PAID) & ~Q(ledger_paid=0))
    )
    for d in disbursements:
        expected = d.amount if d.status == Disbursement.Status.PAID else 0
        drift.append(Drift("disbursement paid", d.pk, ledger=d.ledger_paid, recorded=expected))
    return drift
