"""Referrals to other agencies, their answers, and the transfer a repatriation brings."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import access, audit
from agencies.models import Agency
from agencies.writes import acting_user, save_validated

from .. import locks, privacy, refusals, reminders
from ..models import Case, Referral, Transfer
from .consent import require_sharing_consent


@access.grants_read_once
@transaction.atomic
def referral_create(*, actor, case: Case, to_agency: Agency | None, kind: str, reason: str) -> Referral:
    """Refer a case to another agency; needs the person's current consent to share with it."""
    access.grants_of(actor)  # read before the case's lock, which every other change of the case waits on
    case = locks.case(case.pk)
    from_agency = access.acting_agency(actor, case)
    if privacy.is_restricted(case.person_id):
        # Read under the case's lock, which a restriction takes too (cases.services.restrictions).
        raise ValidationError({"case": refusals.RESTRICTED_NO_SHARING})
    if to_agency is None or not to_agency.active:
        raise ValidationError({"to_agency": refusals.REFERRAL_AGENCY_NOT_ACTIVE})
    if not reason.strip():
        raise ValidationError({"reason": refusals.REFERRAL_REASON_MISSING})
    if not case.is_open:
        raise ValidationError({"case": refusals.REFERRAL_CASE_CLOSED})
    if kind == Referral.Kind.REPATRIATION and (
        to_agency.kind != Agency.Kind.SOCIAL_SERVICE_DISTRICT or to_agency.pk == case.owner_id
    ):
        raise ValidationError({"to_agency": refusals.REPATRIATION_NOT_OTHER_DISTRICT})
    require_sharing_consent(case, to_agency)
    referral = Referral(
        case=case,
        kind=kind,
        from_agency=from_agency,
        to_agency=to_agency,
        reason=reason.strip(),
        created_by=acting_user(actor),
    )
    save_validated(referral)
    audit.record(
        actor,
        "cases.referral.created",
        referral,
        {"kind": kind, "to_agency": to_agency.pk},
        agency_id=case.owner_id,
        acting_for=from_agency,
    )
    reminders.referral_received_notify(referral)
    return referral


def referral_receiver_is(actor, referral: Referral) -> bool:
    """Whether `actor` acts for the agency `referral` was sent to, the only one that may accept or decline it: one
    grant of theirs both is of that agency and may change the referral (agencies.access.acting_grant)."""
    return access.acting_grant(actor, referral, agency_id=referral.to_agency_id) is not None


def _lock_referral_for_receiver(actor, referral: Referral) -> tuple[Case, Referral]:
    case = locks.case(referral.case_id)
    referral = locks.referral(referral.pk, with_receiver=True)
    if access.changing_grant(actor, referral, agency_id=referral.to_agency_id) is None:
        raise PermissionDenied(refusals.REFERRAL_NOT_RECEIVER)
    if referral.status != Referral.Status.PENDING:
        raise ValidationError({"status": refusals.REFERRAL_ALREADY_ANSWERED})
    return case, referral


def _answered(actor, referral: Referral, action: str, case: Case) -> Referral:
    # The receiving agency answered: its name goes on the audit row, and the referrer hears of it.
    audit.record(
        actor, action, referral, {"kind": referral.kind}, agency_id=case.owner_id, acting_for=referral.to_agency
    )
    reminders.referral_answered_notify(referral)
    return referral


@access.grants_read_once
@transaction.atomic
def referral_accept(*, actor, referral: Referral) -> Referral:
    """Accept a referral. A repatriation also transfers the case to the accepting office."""
    case, referral = _lock_referral_for_receiver(actor, referral)
    # Restricted since it was sent: the receiver no longer reads it (cases.access_rules), and nothing is shared
    # whatever the rule lets through.
    if privacy.is_restricted(case.person_id):
        raise ValidationError({"status": refusals.REFERRAL_NO_LONGER_OPEN})
    require_sharing_consent(case, referral.to_agency)  # consent may have been withdrawn since
    referral.status = Referral.Status.ACCEPTED
    referral.decided_by = acting_user(actor)
    referral.decided_at = timezone.now()
    if referral.kind == Referral.Kind.REPATRIATION:
        # Ownership moves; the history (notes, assessments, stages) stays on the case for the new owner.
        old_owner_id = case.owner_id
        Transfer.objects.create(
            case=case,
            from_agency_id=old_owner_id,
            to_agency=referral.to_agency,
            referral=referral,
            transferred_by=acting_user(actor),
        )
        case.owner = referral.to_agency
        case.caseworker = None
        case.save(update_fields=["owner", "caseworker", "updated_at"])
        referral.status = Referral.Status.COMPLETED
        referral.completed_at = referral.decided_at
        audit.record(
            actor,
            "cases.case.transferred",
            case,
            {"from_agency": old_owner_id, "to_agency": case.owner_id},
            agency_id=case.owner_id,
            acting_for=referral.to_agency,
        )
    referral.save(update_fields=["status", "decided_by", "decided_at", "completed_at", "updated_at"])
    return _answered(actor, referral, "cases.referral.accepted", case)


@access.grants_read_once
@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str) -> Referral:
    """Decline a referral, saying why."""
    case, referral = _lock_referral_for_receiver(actor, referral)
    if not reason.strip():
        raise ValidationError({"decline_reason": refusals.DECLINE_REASON_MISSING})
    referral.status = Referral.Status.DECLINED
    referral.decline_reason = reason.strip()
    referral.decided_by = acting_user(actor)
    referral.decided_at = timezone.now()
    referral.save(update_fields=["status", "decline_reason", "decided_by", "decided_at", "updated_at"])
    return _answered(actor, referral, "cases.referral.declined", case)


@access.grants_read_once
@transaction.atomic
def referral_complete(*, actor, referral: Referral) -> Referral:
    """Mark an accepted referral done; the receiving agency no longer sees the case through it."""
    locks.case(referral.case_id)
    referral = locks.referral(referral.pk)
    access.require_change(actor, referral)
    if referral.status != Referral.Status.ACCEPTED:
        raise ValidationError({"status": refusals.REFERRAL_NOT_ACCEPTED})
    referral.status = Referral.Status.COMPLETED
    referral.completed_at = timezone.now()
    referral.save(update_fields=["status", "completed_at", "updated_at"])
    audit.record(actor, "cases.referral.completed", referral, {"kind": referral.kind}, agency_id=referral.case.owner_id)
    return referral
