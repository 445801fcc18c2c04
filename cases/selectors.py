"""Reads of cases and persons, always through agencies.access; reads of personal data are logged."""

from django.db.models import QuerySet

from agencies import access, audit

from .encryption import keyed_hash
from .models import Case, Person, PossibleDuplicate
from .services import check_nik


def case_list(actor) -> QuerySet[Case]:
    """Cases `actor` may see, with what a list shows joined in."""
    return access.visible_to(actor, Case).select_related(
        "person", "owner", "registered_by", "caseworker", "target_group", "site"
    )


def case_viewed(actor, case: Case) -> None:
    """Log that `actor` was shown `case` with its person's data."""
    audit.record(actor, "cases.case.viewed", case, agency=case.owner)


def correction_request_viewed(actor, request) -> None:
    """Log that `actor` was shown a correction request's two values (personal data of its case's person): in her
    processing trail like a case read, filed under the owning office."""
    audit.record(
        actor, "cases.correction_request.viewed", request, {"field": request.field}, agency_id=request.case.owner_id
    )


def case_list_viewed(actor, count: int) -> None:
    """Log that `actor` was shown a list of `count` cases with names (one row per request, not per case).

    The list spans the viewer's scope, so the event is filed under the agency they act for (agencies.audit files
    every list read so): the auditors of its jurisdiction see it in the trail."""
    audit.record(actor, "cases.case.listed", Case, {"count": count})


def cases_with_nik(actor, nik: str) -> QuerySet[Case]:
    """Visible cases of the person holding `nik` (exact match through the keyed hash; never a scan)."""
    digits, _warnings = check_nik(nik)
    return case_list(actor).filter(person__nik_hash=keyed_hash("nik", digits))


def person_viewed(actor, person: Person) -> None:
    owner = person.cases.order_by("-created_at", "-pk").values_list("owner", flat=True).first()
    audit.record(actor, "cases.person.viewed", person, agency_id=owner)


def possible_duplicates_listed(actor, count: int) -> None:
    """Log that `actor` was shown a list of `count` possible duplicates, which names both persons of each."""
    audit.record(actor, "cases.possible_duplicate.listed", PossibleDuplicate, {"count": count})
