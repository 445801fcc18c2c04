"""Row locks for the cases services: each helper re-reads one row (or a pair) under `SELECT … FOR UPDATE`.

A service that locks more than one row takes them in this order, so two services never wait on each other:

    PossibleDuplicate → Person (lowest id first) → Case → Referral
    Site, Assessment and Consent are locked alone.

A merge locks its pair, then both persons; an answer to a referral locks its case, then the referral. Another
app that locks a case (programs: its batch, then the case, then the enrollment) takes the case with `case`.
A referral read `with_receiver` also locks the receiving agency's row (FOR UPDATE covers every joined table).
"""

from agencies.fastpath.saves import locked

from .models import Assessment, Case, Consent, Person, PossibleDuplicate, Referral, Site


def site(pk: int) -> Site:
    """The site, locked until commit."""
    return locked(Site, pk)


def person(pk: int) -> Person:
    """The person, locked until commit."""
    return locked(Person, pk)


def persons(*pks: int) -> dict[int, Person]:
    """The persons by id, locked lowest id first (two merges of the same pair queue, never deadlock)."""
    return {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def case(pk: int) -> Case:
    """The case, locked until commit."""
    return locked(Case, pk)


def referral(pk: int, *, with_receiver: bool = False) -> Referral:
    """The referral, locked until commit (its case first: see the order above). `with_receiver` reads the agency it
    was sent to in the same statement."""
    return locked(Referral, pk, related=("to_agency",) if with_receiver else ())


def assessment(pk: int) -> Assessment:
    """The assessment, locked until commit."""
    return locked(Assessment, pk)


def consent(pk: int) -> Consent:
    """The consent, locked until commit."""
    return locked(Consent, pk)


def possible_duplicate(pk: int) -> PossibleDuplicate:
    """The flagged pair, locked until commit (before its persons: see the order above)."""
    return locked(PossibleDuplicate, pk)
