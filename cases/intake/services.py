"""Intake (pendataan): one person and their case, or an NGO's whole sheet, registered by the same planner."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies import access
from agencies.models import Agency, Region, Role
from agencies.writes import agency_acting_as

from .. import refusals
from ..models import Case, Site, TargetGroup
from ..services.persons import known_nik_refusal
from . import planner
from .look_alikes import look_alike_pool

# A unique value taken by a concurrent intake after we looked: look again, at most this many times.
INTAKE_ATTEMPTS = 3


@dataclass
class Intake:
    """A registered case and the NIK warnings staff should look at (never a reason to refuse)."""

    case: Case
    warnings: list[str] = field(default_factory=list)
    possible_duplicates: int = 0


@dataclass
class RowResult:
    """What became of one row of a bulk intake: created, duplicate (with the case when visible) or error."""

    row: int
    external_id: str
    status: str
    case: Case | None = None
    errors: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _registering_agency(actor) -> Agency:
    return agency_acting_as(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER), refusals.MAY_NOT_RECORD)


def case_register(
    *,
    actor,
    full_name: str,
    sex: str,
    target_group: TargetGroup | None,
    known_as: str = "",
    nik: str = "",
    birth_date: datetime.date | None = None,
    birth_year: int | None = None,
    phone: str = "",
    home_region: Region | None = None,
    address: str = "",
    site: Site | None = None,
    other_target_groups: list[TargetGroup] = (),
    owner: Agency | None = None,
    caseworker=None,
    processing_consent_on: datetime.date | None = None,
    external_id: str = "",
) -> Intake:
    """Intake: a new person and their case. Refuses a known NIK (without revealing another district's case)."""
    details = {k: v for k, v in locals().items() if k != "actor"}
    for attempt in range(1, INTAKE_ATTEMPTS + 1):
        try:
            return _case_register(actor, details)
        except IntegrityError:
            # A concurrent intake took this NIK (or external id) between our look and our insert. The transaction
            # is rolled back whole; the next attempt sees the winner and refuses the way it always does.
            if attempt == INTAKE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _case_register(actor, details: dict) -> Intake:
    registering = _registering_agency(actor)
    draft = planner.draft_row(0, registering=registering, **details)
    ready = draft.early is None and draft.late is None
    default_owner = planner.default_owner_of(registering) if ready and draft.wants_default_owner else None
    if not planner.plan([draft], planner.Planned(actor, registering, [draft], default_owner), outside=set()):
        if draft.refusal is None:  # the agency registered this external id before
            raise ValidationError({NON_FIELD_ERRORS: [refusals.EXTERNAL_ID_REGISTERED]})
        raise draft.refusal
    pool = look_alike_pool(actor, [draft.person])
    if planner.save(actor, registering, [draft]):
        raise PermissionDenied(access.OUTSIDE_AREA)
    flags = planner.finish(actor, [draft], pool, one_by_one=True)
    planner.show_target_groups(draft.person, draft.groups)
    return Intake(case=draft.case, warnings=draft.warnings, possible_duplicates=len(flags))


def _errors_of(exc: Exception) -> dict:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    return {NON_FIELD_ERRORS: [str(exc)]}


class _OutsideScope(Exception):
    """Rolls back an attempt whose rows include some the access rule does not let the actor create."""

    def __init__(self, rows: set[int]):
        super().__init__()
        self.rows = rows


@transaction.atomic
def case_register_many(*, actor, rows: list[dict]) -> list[RowResult]:
    """Bulk intake (an NGO's pendataan sheet), set-based: every row checked as `case_register` checks one, the
    valid ones saved together in a number of statements that does not grow with the rows, a result per row. A row
    whose `external_id` the agency already registered is a duplicate, not a second case, which makes resending the
    whole sheet safe."""
    registering = _registering_agency(actor)
    today = timezone.localdate()
    drafts = [planner.draft_row(index, registering=registering, today=today, **row) for index, row in enumerate(rows)]
    default_owner = None
    if any(d.wants_default_owner and d.early is None and d.late is None for d in drafts):
        default_owner = planner.default_owner_of(registering)
    pool = look_alike_pool(actor, [d.person for d in drafts if d.person is not None])
    outside: set[int] = set()
    races = 0
    while True:
        saving = planner.plan(drafts, planner.Planned(actor, registering, drafts, default_owner), outside)
        if not saving:
            break
        try:
            with transaction.atomic():  # a savepoint: an attempt that fails leaves nothing behind
                refused = planner.save(actor, registering, saving)
                if refused:
                    raise _OutsideScope(refused)
                planner.finish(actor, saving, pool, one_by_one=False)
        except _OutsideScope as exc:
            # Those rows are errors; the others are saved on the next pass (one more at most: whether a row is in
            # scope does not depend on the other rows).
            outside |= exc.rows
        except IntegrityError:
            # A concurrent intake took a NIK or an external id of this sheet after we looked: look again.
            races += 1
            if races >= INTAKE_ATTEMPTS:
                raise
        else:
            break
        planner.reset(saving)
    return [_result(d) for d in drafts]


def _result(d: planner.Draft) -> RowResult:
    result = RowResult(d.row, d.external_id, d.status)
    if d.status == "created":
        result.case, result.warnings = d.case, d.warnings
    elif d.known_case is not None:
        result.case = d.known_case
    elif d.same_external_id_as is not None:
        result.case = d.same_external_id_as.case  # the same id twice in one sheet: the second is a duplicate
    elif d.same_nik_as is not None:
        result.errors = _errors_of(known_nik_refusal(d.same_nik_as.case.number))  # the same NIK twice
    if d.refusal is not None:
        result.errors = _errors_of(d.refusal)
    return result
