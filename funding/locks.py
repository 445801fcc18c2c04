"""Row locks for funding's services (SA lock_objects.py): each re-reads its row under `SELECT … FOR UPDATE`.

Lock order, everywhere: Allocation, then Entitlement, then Disbursement. An allocation's cached totals (`committed`,
`paid`) are read and moved only while its row is locked, so every service that moves money locks the allocation
first; and a service reached from programs (completion entitles completed cases) takes it after programs' batch.

A lock that names related rows locks them in the same statement (PostgreSQL locks every joined row unless `of=`
says otherwise): `allocation_and_disbursement` also holds its installment, entitlement and case, after the allocation.
"""

from .models import Allocation, Disbursement, Entitlement, Installment


def allocation(pk) -> Allocation:
    """The allocation `pk`, locked: its totals are checked and moved one writer at a time."""
    return Allocation.objects.select_for_update().get(pk=pk)


def entitlement(pk) -> Entitlement:
    """The entitlement `pk`, locked after its allocation."""
    return Entitlement.objects.select_for_update().get(pk=pk)


def live_disbursement(installment: Installment) -> Disbursement | None:
    """The installment's requested, approved or paid disbursement, locked after the allocation; None if it has none."""
    return installment.disbursements.select_for_update().filter(status__in=Disbursement.LIVE).first()


def allocation_and_disbursement(disbursement: Disbursement) -> tuple[Allocation, Disbursement]:
    """The disbursement's allocation, then the disbursement with its installment, entitlement and case: all locked."""
    allocation_id = (
        Disbursement.objects.filter(pk=disbursement.pk)
        .values_list("installment__entitlement__allocation_id", flat=True)
        .get()
    )
    locked_allocation = allocation(allocation_id)
    locked = (
        Disbursement.objects.select_for_update()
        .select_related("installment__entitlement__case")
        .get(pk=disbursement.pk)
    )
    return locked_allocation, locked
