"""A case's life: stage moves, its caseworker, assessments and notes."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access, audit
from agencies.fastpath import saves
from agencies.models import Role
from agencies.writes import acting_user, apply_changes, require_version, save_validated

from .. import locks, refusals
from ..models import Assessment, Case, CaseNote, StageChange


def _is_supervisor(actor, case: Case) -> bool:
    # Supervising a case = staff of the owning office (as opposed to the NGO working on it).
    return access.acting_grant(actor, roles=(Role.DISTRICT_STAFF,), agency_id=case.owner_id) is not None


def _move(actor, case: Case, to: str, reason: str, close_reason: str = "") -> Case:
    old = case.stage
    case.stage = to
    case.close_reason = close_reason if to == Case.Stage.CLOSED else ""
    case.stage_changed_at = timezone.now()
    save_validated(case, update_fields=["stage", "close_reason", "stage_changed_at", "updated_at"])
    saves.insert(StageChange(case=case, from_stage=old, to_stage=to, reason=reason, changed_by=acting_user(actor)))
    audit.record(
        actor,
        "cases.case.stage_changed",
        case,
        {"from": old, "to": to, "close_reason": case.close_reason, "with_reason": bool(reason)},
        agency_id=case.owner_id,
    )
    return case


def case_step_forward_held(*, actor, case: Case, to: str) -> Case:
    """Move `case` one stage forward, to `to`, for a service that holds the case's lock and has checked that `actor`
    may change it (enrolling moves a planned case into intervention): the one move case_transition allows freely."""
    if case.steps_to(to) != 1:
        raise ValueError(f"{case.stage} to {to} is not one step forward")
    return _move(actor, case, to, "")


@transaction.atomic
def case_enter_intervention_on_promotion(*, case: Case) -> Case:
    """Move a planned case into intervention because a waiting-list place came free for it.

    Whoever withdrew the other person may not manage this case: the move is the platform's (no actor in the
    stage history), so it needs no permission of theirs.
    """
    case = locks.case(case.pk)
    if case.stage != Case.Stage.PLANNED:
        return case
    return _move(None, case, Case.Stage.IN_INTERVENTION, _("A place in a batch came free."))


@access.grants_read_once
@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to: str,
    reason: str = "",
    close_reason: str = "",
    if_match: Sequence[str] | None = None,
) -> Case:
    """Move a case to stage `to`: one step forward freely; skipping, going back or reopening needs a reason.

    Raises VersionMismatch when `if_match` names another version of the case: compared under the row lock, so of
    two moves sent with the same version exactly one passes.
    """
    access.grants_of(actor)  # read before the case's lock, which every other change of the case waits on
    case = locks.case(case.pk)
    require_version(case, if_match)
    access.require_change(actor, case)
    reason = reason.strip()
    if to not in Case.Stage.values:
        raise ValidationError({"to": refusals.STAGE_UNKNOWN})
    if to == case.stage:
        raise ValidationError({"to": refusals.STAGE_UNCHANGED})
    if case.stage == Case.Stage.CLOSED:
        if not _is_supervisor(actor, case):
            raise PermissionDenied(refusals.REOPEN_NOT_OWNER_STAFF)
        if not reason:
            raise ValidationError({"reason": refusals.REOPEN_NEEDS_REASON})
        if Case.objects.filter(person=case.person, stage__in=Case.STAGE_ORDER[:-1]).exists():
            raise ValidationError({"to": refusals.ANOTHER_OPEN_CASE})
    elif to == Case.Stage.CLOSED:
        if close_reason not in Case.CloseReason.values:
            raise ValidationError({"close_reason": refusals.CLOSE_REASON_MISSING})
        if close_reason == Case.CloseReason.OTHER and not reason:
            raise ValidationError({"reason": refusals.CLOSE_OTHER_NEEDS_REASON})
    elif case.steps_to(to) != 1 and not reason:
        raise ValidationError({"reason": refusals.SKIP_NEEDS_REASON})
    return _move(actor, case, to, reason, close_reason)


def require_caseworker_fits(case: Case, caseworker) -> None:
    """Refuse a caseworker who is not a member of the case's owning office or registering agency."""
    if not case.caseworker_candidates().filter(pk=caseworker.pk).exists():
        raise ValidationError({"caseworker": refusals.CASEWORKER_NOT_ON_CASE})


@access.grants_read_once
@transaction.atomic
def case_assign(*, actor, case: Case, caseworker, if_match: Sequence[str] | None = None) -> Case:
    """Assign the caseworker responsible for a case's follow-up; None leaves the case without one (as a transfer
    does) until someone is assigned. Raises VersionMismatch when `if_match` names another version of the case."""
    case = locks.case(case.pk)
    require_version(case, if_match)
    access.require_change(actor, case)
    if caseworker is not None:
        require_caseworker_fits(case, caseworker)
    case.caseworker = caseworker
    case.save(update_fields=["caseworker", "updated_at"])
    audit.record(
        actor,
        "cases.case.assigned",
        case,
        {"caseworker": caseworker.pk if caseworker else None},
        agency_id=case.owner_id,
    )
    return case


@access.grants_read_once
@transaction.atomic
def assessment_record(
    *,
    actor,
    case: Case,
    assessed_on: datetime.date,
    needs: str = "",
    skills_wanted: str = "",
    business_idea: str = "",
    wants_to_go_home: bool | None = None,
) -> Assessment:
    """Record an assessment; a registered case moves to `assessed` with it."""
    case = locks.case(case.pk)
    access.require_change(actor, case)
    if assessed_on and assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": refusals.ASSESSMENT_IN_FUTURE})
    assessment = Assessment(
        case=case,
        assessed_on=assessed_on,
        needs=needs,
        skills_wanted=skills_wanted,
        business_idea=business_idea,
        wants_to_go_home=wants_to_go_home,
        assessed_by=acting_user(actor),
    )
    save_validated(assessment)
    audit.record(actor, "cases.assessment.recorded", assessment, {"case": case.pk}, agency_id=case.owner_id)
    if case.stage == Case.Stage.REGISTERED:
        _move(actor, case, Case.Stage.ASSESSED, "")
    return assessment


ASSESSMENT_EDITABLE = ("assessed_on", "needs", "skills_wanted", "business_idea", "wants_to_go_home")


@access.grants_read_once
@transaction.atomic
def assessment_update(*, actor, assessment: Assessment, if_match: Sequence[str] | None = None, **changes) -> Assessment:
    """Correct an assessment. Raises VersionMismatch when `if_match` names another version of it (checked under
    the row lock), ValidationError for a field, PermissionDenied when the actor may only read the case."""
    assessment = locks.assessment(assessment.pk)
    require_version(assessment, if_match)
    access.require_change(actor, assessment)
    diff = apply_changes(assessment, changes, ASSESSMENT_EDITABLE)
    if assessment.assessed_on and assessment.assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": refusals.ASSESSMENT_IN_FUTURE})
    if diff:
        save_validated(assessment, update_fields=[*diff, "updated_at"])
        # Field names only: what a person needs and wants is theirs.
        audit.record(
            actor,
            "cases.assessment.updated",
            assessment,
            {"case": assessment.case_id, "fields": sorted(diff)},
            agency_id=assessment.case.owner_id,
        )
    return assessment


@access.grants_read_once
@transaction.atomic
def case_note_add(*, actor, case: Case, body: str) -> CaseNote:
    """Add a note to a case, in the name of the agency the actor works on it for."""
    agency = access.acting_agency(actor, case)
    note = CaseNote(case=case, body=body.strip(), author=acting_user(actor), agency=agency)
    save_validated(note)
    audit.record(actor, "cases.case_note.added", note, {"case": case.pk}, agency_id=case.owner_id, acting_for=agency)
    return note
