"""Row locks for programs' services (SA lock_objects.py): each re-reads its row under `SELECT … FOR UPDATE`.

Lock order, everywhere: Batch, then Case (cases.locks.case), then Enrollment. Capacity is counted on the locked
batch row, so every change to a batch's places holds the batch first; overlapping batches of one case are refused
under the case's lock.
A program is locked alone (`program`) or with its batch (`batch_with_program`); a follow-up, with its case, before
its outcome. Finishing a batch goes on to funding's locks (funding/locks.py) while it holds the batch.

A lock that names related rows locks them in the same statement (PostgreSQL locks every joined row unless `of=`
says otherwise): `batch_with_program` holds the program, `enrollment_with_case` and `follow_up` hold the case.
Withdrawing is the one path where an enrollment comes before a case: the withdrawn enrollment is locked with its
case, and the waiting enrollment it promotes is locked before cases' service locks that enrollment's case.
"""

from agencies.fastpath.saves import locked

from .models import Batch, Enrollment, FollowUp, Outcome, Program


def program(pk) -> Program:
    """The program `pk`, locked: its details change one writer at a time."""
    return locked(Program, pk)


def batch(pk) -> Batch:
    """The batch `pk`, locked: its places, status and dates change one writer at a time."""
    return locked(Batch, pk)


def batch_with_program(pk) -> Batch:
    """The batch `pk` and its program, both locked: completion judges against the program's threshold."""
    return locked(Batch, pk, related=("program",))


def enrollment_with_case(pk) -> Enrollment:
    """The enrollment `pk` and its case, locked after the enrollment's batch."""
    return locked(Enrollment, pk, related=("case",))


def first_waiting(batch: Batch) -> Enrollment | None:
    """The batch's longest-waiting enrollment, locked (the caller holds the batch); None when nobody waits."""
    return (
        batch.enrollments.select_for_update()
        .filter(status=Enrollment.Status.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )


def follow_up(pk) -> FollowUp:
    """The follow-up `pk` and its case, locked: every writer of its outcome holds this lock first."""
    return locked(FollowUp, pk, related=("case",))


def outcome_of(follow_up: FollowUp) -> Outcome:
    """The outcome of `follow_up`, locked (the caller holds the follow-up)."""
    return Outcome.objects.select_for_update().get(follow_up=follow_up)
