"""Persons flagged as looking alike: merged into one, or recorded as two people."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import access, audit
from agencies.writes import acting_user

from .. import locks, refusals
from ..models import Case, Consent, Person, PossibleDuplicate
from .persons import owner_of, touch_cases_of


@access.grants_read_once
@transaction.atomic
def possible_duplicate_merge(*, actor, duplicate: PossibleDuplicate) -> Person:
    """Merge the flagged person into the one they resemble; every case and consent is kept, on the survivor."""
    duplicate = locks.possible_duplicate(duplicate.pk)
    locked = locks.persons(duplicate.person_id, duplicate.similar_to_id)
    merged, survivor = locked[duplicate.person_id], locked[duplicate.similar_to_id]
    access.require_change(actor, merged)
    access.require_change(actor, survivor)
    if duplicate.status != PossibleDuplicate.Status.OPEN:
        raise ValidationError({"status": refusals.PAIR_ALREADY_REVIEWED})
    if merged.merged_into_id or survivor.merged_into_id:
        raise ValidationError({"status": refusals.PERSON_ALREADY_MERGED})
    open_cases = Case.objects.filter(person__in=[merged, survivor]).exclude(stage=Case.Stage.CLOSED).count()
    if open_cases > 1:
        raise ValidationError({"similar_to": refusals.BOTH_HAVE_OPEN_CASES})
    # The survivor's own cases show their person, who takes over the merged one's groups (and maybe NIK).
    touch_cases_of(survivor)
    # A bulk update does not stamp auto_now fields: the moved rows say so themselves, or sync never sees them.
    now = timezone.now()
    moved_cases = Case.objects.filter(person=merged).update(person=survivor, updated_at=now)
    Consent.objects.filter(person=merged).update(person=survivor, updated_at=now)
    survivor.target_groups.add(*merged.target_groups.all())
    if merged.nik and not survivor.nik:
        survivor.nik, survivor.nik_hash = merged.nik, merged.nik_hash
        merged.nik_hash = None
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "nik_hash", "updated_at"])
    survivor.save(update_fields=["nik", "nik_hash", "updated_at"])
    duplicate.status = PossibleDuplicate.Status.MERGED
    duplicate.reviewed_by, duplicate.reviewed_at = acting_user(actor), timezone.now()
    duplicate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(
        actor,
        "cases.person.merged",
        survivor,
        {"merged": merged.pk, "cases_moved": moved_cases},
        agency=owner_of(survivor),
    )
    return survivor


@access.grants_read_once
@transaction.atomic
def possible_duplicate_dismiss(*, actor, duplicate: PossibleDuplicate) -> PossibleDuplicate:
    """Record that two similar persons are not the same person."""
    duplicate = locks.possible_duplicate(duplicate.pk)
    access.require_change(actor, duplicate)
    if duplicate.status != PossibleDuplicate.Status.OPEN:
        raise ValidationError({"status": refusals.PAIR_ALREADY_REVIEWED})
    duplicate.status = PossibleDuplicate.Status.DISMISSED
    duplicate.reviewed_by, duplicate.reviewed_at = acting_user(actor), timezone.now()
    duplicate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(
        actor,
        "cases.possible_duplicate.dismissed",
        duplicate,
        {"person": duplicate.person_id},
        agency=owner_of(duplicate.person),
    )
    return duplicate
