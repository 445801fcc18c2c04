"""Restricting the processing of a person's data (UU 27/2022), and lifting it: the data-protection officer's acts.

What a restriction in force stops, and where, is listed in cases/privacy.py.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import access, audit
from agencies.fastpath.saves import locked
from agencies.writes import save_validated

from .. import locks, privacy, refusals, reminders
from ..models import Case, Referral, Restriction


@access.grants_read_once
@transaction.atomic
def person_restrict(*, actor, case: Case, reason: str, note: str = "") -> Restriction:
    """Restrict the processing of `case`'s person's data from now on. Only the data-protection officer whose
    jurisdiction covers the owning office; refused when a restriction is already in force. The trail names the
    reason's category, never the note."""
    if not privacy.is_officer_for(actor, case):
        raise PermissionDenied(refusals.ONLY_THE_OFFICER)
    if reason not in Restriction.Reason.values:
        raise ValidationError({"reason": refusals.RESTRICTION_REASON_MISSING})
    # The person, then every case of hers (cases.locks' order): a referral made meanwhile holds its case's lock,
    # so it is either in before the restriction, or sees it.
    person = locks.person(case.person_id)
    list(Case.objects.select_for_update().filter(person=person).order_by("pk").values_list("pk", flat=True))
    if Restriction.objects.in_force().filter(person=person).exists():
        raise ValidationError({"person": refusals.RESTRICTION_IN_FORCE_ALREADY})
    # Before the restriction's row: the receivers are found through the access rule, which stops showing them her
    # referrals once it is in force.
    _waiting_referrals_withdraw(actor, person.pk)
    restriction = Restriction(person=person, case=case, reason=reason, note=note.strip(), restricted_by=actor)
    save_validated(restriction)
    audit.record(actor, "cases.person.restricted", restriction, {"reason": reason}, agency_id=case.owner_id)
    return restriction


def _waiting_referrals_withdraw(actor, person_id: int) -> None:
    """Close every referral of the person's cases still waiting for an answer (a repatriation among them: the
    transfer it would bring). Left pending, the receiver could no longer read or answer it, and the referring office
    would see it open forever. Lifting the restriction does not reopen them: the office refers again, with consent.
    Her cases are locked already, so no answer races this."""
    waiting = (
        Referral.objects.select_for_update(of=("self",))
        .filter(case__person_id=person_id, status=Referral.Status.PENDING)
        .select_related("case", "from_agency", "to_agency")
        .order_by("pk")
    )
    for referral in waiting:
        referral.status = Referral.Status.WITHDRAWN
        referral.withdraw_reason = Referral.WithdrawReason.RESTRICTED
        # Not `decided_*`: the receiver decided nothing, and the referral figures count answers by those.
        referral.save(update_fields=["status", "withdraw_reason", "updated_at"])
        audit.record(
            actor,
            "cases.referral.withdrawn",
            referral,
            {"kind": referral.kind, "withdraw_reason": referral.withdraw_reason},
            agency_id=referral.case.owner_id,
        )
        reminders.referral_withdrawn_notify(referral)


@access.grants_read_once
@transaction.atomic
def person_restriction_lift(*, actor, restriction: Restriction, reason: str) -> Restriction:
    """Lift a restriction in force: the person's data may be processed and shared again (each sharing still needs
    her consent). Only the data-protection officer responsible for its case's owning office."""
    restriction = locked(Restriction, restriction.pk)
    access.require_change(actor, restriction)
    if not privacy.is_officer_for(actor, restriction.case):
        raise PermissionDenied(refusals.ONLY_THE_OFFICER)
    if not restriction.in_force:
        raise ValidationError({"lifted_at": refusals.RESTRICTION_LIFTED_ALREADY})
    if reason not in Restriction.LiftReason.values:
        raise ValidationError({"lift_reason": refusals.RESTRICTION_REASON_MISSING})
    restriction.lifted_at, restriction.lifted_by, restriction.lift_reason = timezone.now(), actor, reason
    restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit.record(
        actor,
        "cases.person.restriction_lifted",
        restriction,
        {"lift_reason": reason},
        agency_id=restriction.case.owner_id,
    )
    return restriction
