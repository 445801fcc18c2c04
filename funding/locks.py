"""Row locks for funding's services (SA lock_objects.py): each re-reads its row under `SELECT … FOR UPDATE`.

Lock order, everywhere: Allocation, then Entitlement, then Disbursement. An allocation's cached totals (`committed`,
`paid`) are read and moved only while its row is locked, so every service that moves money locks the allocation
first; and a service reached from programs (completion entitles completed cases) takes it after programs' batch.

A lock that names related rows locks them in the same statement (PostgreSQL locks every joined row unless `of=`
says otherwise): `allocation_and_disbursement` also holds its installment, entitlement and case, after the allocation.
"""

from django.db.models import F

from agencies.fastpath.saves import instances, locked, values

from .models import Allocation, Disbursement, Entitlement, Installment


def allocation(pk) -> Allocation:
    """The allocation `pk`, locked: its totals are checked and moved one writer at a time."""
    return locked(Allocation, pk)


def entitlement(pk) -> Entitlement:
    """The entitlement `pk`, locked after its allocation."""
    return locked(Entitlement, pk)


def live_disbursement(installment: Installment) -> Disbursement | None:
    """The installment's requested, approved or paid disbursement, locked after the allocation; None if it has none."""
    found = instances("funding.live_disbursement", _live, installment=installment.pk)
    if not found:
        return None
    found[0].installment = installment  # as installment.disbursements gives it
    return found[0]


def _live(*, installment):
    # What `installment.disbursements.select_for_update().filter(status__in=LIVE).first()` reads.
    return (
        Disbursement.objects.select_for_update()
        .filter(installment=installment, status__in=Disbursement.LIVE)
        .order_by(*Disbursement._meta.ordering or ["pk"])[:1]
    )


def allocation_and_disbursement(disbursement: Disbursement) -> tuple[Allocation, Disbursement]:
    """The disbursement's allocation, then the disbursement with its installment, entitlement and case: all locked."""
    found = values("funding.allocation_of_disbursement", _allocation_of, pk=disbursement.pk)
    if not found:
        raise Disbursement.DoesNotExist("Disbursement matching query does not exist.")
    locked_allocation = allocation(found[0]["allocation"])
    return locked_allocation, locked(Disbursement, disbursement.pk, related=("installment__entitlement__case",))


def _allocation_of(*, pk):
    return Disbursement.objects.filter(pk=pk).order_by().values(allocation=F("installment__entitlement__allocation_id"))
