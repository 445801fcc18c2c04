"""The set-based intake planner: each row checked in Python, the database asked once per question for all rows,
each row's fate decided in sheet order, and the rows to save written together in a few statements."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies import access, audit
from agencies.fastpath import rows as intake_rows
from agencies.models import Agency, AuditEvent, Region
from agencies.regions import is_within
from agencies.writes import acting_user

from .. import refusals
from ..encryption import keyed_hash
from ..models import Case, Consent, Person, PossibleDuplicate, Site, StageChange, TargetGroup
from ..services.lifecycle import require_caseworker_fits
from ..services.persons import check_birth, check_nik, known_nik_refusal
from .look_alikes import look_alikes
from .numbers import case_number, take_case_numbers


def default_owner_of(registering: Agency) -> Agency | None:
    """The office that owns what `registering` takes in: itself, or the active office of an NGO's regency/city."""
    if registering.kind == Agency.Kind.SOCIAL_SERVICE_DISTRICT:
        return registering
    regency = registering.region_id[:5]
    return Agency.objects.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, region_id=regency, active=True).first()


def _check_owner(owner: Agency | None, registering: Agency) -> None:
    """The owner is an active regency/city office whose jurisdiction covers the registering agency: district staff
    file into their own office, an NGO into its regency/city's. Anything else would put a case (and take a case
    number) in a caseload that is not the registering agency's to fill."""
    if owner is None:
        raise ValidationError({"owner": refusals.OWNER_MISSING})
    if owner.kind != Agency.Kind.SOCIAL_SERVICE_DISTRICT or not owner.active:
        raise ValidationError({"owner": refusals.OWNER_NOT_ACTIVE_DISTRICT_OFFICE})
    if not is_within(registering.region_id, owner.region_id):
        raise ValidationError({"owner": refusals.OWNER_NOT_OWN_DISTRICT})


def _clean_in_memory(obj, *also_exclude: str) -> None:
    """full_clean without its queries: the foreign keys are rows we were given or just read, and the unique and
    check constraints are the database's to enforce (a row that breaks one makes the intake look again, see
    `case_register`). Field checks (lengths, choices, blanks) still run."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=[*relations, *also_exclude], validate_unique=False, validate_constraints=False)


@dataclass
class Draft:
    """One intake checked in Python (no query), ready to be saved with every other row of its call."""

    row: int
    external_id: str
    person: Person | None = None
    case: Case | None = None
    groups: list[TargetGroup] = field(default_factory=list)
    consent_on: datetime.date | None = None
    nik_given: bool = False
    warnings: list[str] = field(default_factory=list)
    # The first refusal of the row's own values: the NIK's shape and the birth first (`early`), then the rest
    # (`late`). Whether the NIK is registered (a query, made for all rows at once) is asked only of a row that
    # passes every other check: a row refused anyway must not tell whether a NIK exists (see `plan`).
    early: Exception | None = None
    late: Exception | None = None
    wants_default_owner: bool = False
    # Filled while planning: why the row is not saved, or the row it repeats.
    refusal: Exception | None = None
    status: str = "created"
    known_case: Case | None = None  # its external id was registered before
    same_external_id_as: "Draft | None" = None  # an earlier row of the call with the same external id
    same_nik_as: "Draft | None" = None  # an earlier row of the call with the same NIK


def draft_row(
    row: int,
    *,
    registering: Agency,
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
    today: datetime.date | None = None,
) -> Draft:
    """One row of an intake as unsaved rows, with its own refusal if it has one (no query)."""
    draft = Draft(row=row, external_id=external_id.strip())
    today = today or timezone.localdate()
    try:
        nik, draft.warnings = check_nik(nik, birth_date=birth_date, sex=sex)
        check_birth(birth_date, birth_year, today)
    except ValidationError as exc:
        draft.early = exc
        return draft
    draft.nik_given = bool(nik)
    draft.person = Person(
        full_name=full_name.strip(),
        known_as=known_as.strip(),
        nik=nik,
        nik_hash=keyed_hash("nik", nik) if nik else None,
        birth_date=birth_date,
        birth_year=birth_year or (birth_date.year if birth_date else None),
        sex=sex,
        phone=phone.strip(),
        home_region=home_region,
        address=address,
        current_site=site,
    )
    draft.case = Case(
        person=draft.person,
        owner=owner,
        registered_by=registering,
        target_group=target_group,
        site=site,
        caseworker=caseworker,
        external_id=draft.external_id,
    )
    draft.groups = sorted({target_group, *other_target_groups} - {None}, key=lambda group: group.code)
    draft.consent_on = processing_consent_on
    draft.wants_default_owner = owner is None
    try:
        _clean_in_memory(draft.person)
        if target_group is None:
            raise ValidationError({"target_group": refusals.TARGET_GROUP_MISSING})
        if owner is not None:
            _check_owner(owner, registering)
        _clean_in_memory(draft.case, "number")
        if processing_consent_on and processing_consent_on > today:
            # Named as the client sent it: the consent's own `given_on` is not a field of the intake.
            raise ValidationError({"processing_consent_on": refusals.CONSENT_IN_FUTURE})
    except ValidationError as exc:
        draft.late = exc
    return draft


class Planned:
    """What one attempt at saving a call's drafts found in the database, one query per question."""

    def __init__(self, actor, registering: Agency, drafts: list[Draft], default_owner):
        self.registering = registering
        ids = {d.external_id for d in drafts if d.external_id}
        self.known_external = (
            {
                case.external_id: case
                # `external_id` is never "" here; saying so lets PostgreSQL use the partial unique index on
                # (registered_by, external_id) instead of reading every case of the table.
                for case in Case.objects.filter(registered_by=registering, external_id__in=ids)
                .exclude(external_id="")
                .order_by()
                .only("pk", "number", "external_id")
            }
            if ids
            else {}
        )
        hashes = {d.person.nik_hash for d in drafts if d.person is not None and d.person.nik_hash}
        self.known_nik = (
            dict(Person.objects.filter(nik_hash__in=hashes, merged_into__isnull=True).values_list("nik_hash", "pk"))
            if hashes
            else {}
        )
        # The newest case of each known person the actor may see: the only case a refusal may name.
        self.visible_number = {}
        if self.known_nik:
            cases = access.visible_to(actor, Case).filter(person__in=self.known_nik.values())
            for person_id, number in cases.order_by("-created_at", "-pk").values_list("person_id", "number"):
                self.visible_number.setdefault(person_id, number)
        self.default_owner = default_owner


def plan(drafts: list[Draft], found: Planned, outside: set[int]) -> list[Draft]:
    """Decide each row's fate in sheet order; the drafts to save. `outside`: rows refused by the access rule.

    A row's own checks come first, the NIK question last: only a row that would otherwise be saved learns that its
    NIK is registered, so a request that fails anyway cannot probe which NIKs exist (issue 13, item 4).
    """
    taken_external, taken_nik, saving = {}, {}, []
    for d in drafts:
        d.refusal, d.status, d.known_case, d.same_external_id_as, d.same_nik_as = None, "created", None, None, None
        if d.external_id and d.external_id in found.known_external:
            d.status, d.known_case = "duplicate", found.known_external[d.external_id]
            continue
        if d.external_id and d.external_id in taken_external:
            d.status, d.same_external_id_as = "duplicate", taken_external[d.external_id]
            continue
        refusal = d.early if d.early is not None else d.late
        if refusal is None:
            refusal = _placement_refusal(d, found)
        if refusal is None and d.row in outside:
            refusal = PermissionDenied(access.OUTSIDE_AREA)
        if refusal is not None:
            d.status, d.refusal = "error", refusal
            continue
        nik_hash = d.person.nik_hash
        if nik_hash and nik_hash in found.known_nik:
            person_id = found.known_nik[nik_hash]
            d.status, d.refusal = "duplicate", known_nik_refusal(found.visible_number.get(person_id))
        elif nik_hash and nik_hash in taken_nik:
            d.status, d.same_nik_as = "duplicate", taken_nik[nik_hash]  # refused naming that row's case, once numbered
        else:
            saving.append(d)
            if d.external_id:
                taken_external[d.external_id] = d
            if nik_hash:
                taken_nik[nik_hash] = d
    return saving


def _placement_refusal(d: Draft, found: Planned) -> ValidationError | None:
    """Why the row's case cannot go where it would (no owning office, a caseworker who may not take it); None when
    it can. A row without an owner gets the registering agency's default office here."""
    try:
        if d.wants_default_owner:
            _check_owner(found.default_owner, found.registering)
            d.case.owner = found.default_owner
        if d.case.caseworker is not None:
            require_caseworker_fits(d.case, d.case.caseworker)
    except ValidationError as exc:
        return exc
    return None


def reset(drafts: list[Draft]) -> None:
    """After a rollback to the savepoint the rows are gone: save them as new ones next time."""
    for d in drafts:
        for obj in (d.person, d.case):
            if obj is not None:
                obj.pk, obj._state.adding = None, True


def save(actor, registering: Agency, saving: list[Draft]) -> set[int]:
    """Insert persons, their target groups and cases, a few statements whatever their number. Returns the rows the
    access rule does not let the actor create (then nothing else is written; the caller rolls back)."""
    counts = {}
    for d in saving:
        counts[d.case.owner.region_id] = counts.get(d.case.owner.region_id, 0) + 1
    year = timezone.localdate().year  # once: the numbers and their sequence row name the same year
    first = take_case_numbers(counts, year)
    for d in saving:
        region = d.case.owner.region_id
        d.case.number, first[region] = case_number(region, first[region], year), first[region] + 1
    intake_rows.insert([d.person for d in saving])
    intake_rows.link(Person.target_groups, [(d.person.pk, group.code) for d in saving for group in d.groups])
    for d in saving:
        d.case.person, d.case.registered_by = d.person, registering
    intake_rows.insert([d.case for d in saving])
    # "May create here" is "may change the saved row" (agencies.access.require_within_scope), for all rows at once.
    allowed = set(
        access.changeable_by(actor, Case).filter(pk__in=[d.case.pk for d in saving]).values_list("pk", flat=True)
    )
    return {d.row for d in saving if d.case.pk not in allowed}


def finish(actor, saving: list[Draft], pool: dict[tuple, list], *, one_by_one: bool) -> list[PossibleDuplicate]:
    """Everything that follows the cases: first stages, consents, the audit trail and look-alike flags."""
    user = acting_user(actor)
    consents = Consent.objects.bulk_create(
        Consent(person=d.person, purpose=Consent.Purpose.PROCESSING, given_on=d.consent_on, recorded_by=user)
        for d in saving
        if d.consent_on
    )
    if one_by_one:
        # One intake keeps its own events (the same ones it always wrote), written in one INSERT.
        (d,) = saving
        events = [
            (
                "cases.case.registered",
                d.case,
                {"number": d.case.number, "nik_given": d.nik_given, "nik_warnings": len(d.warnings)},
                d.case.owner,
            ),
            *(("cases.consent.given", c, {"purpose": c.purpose, "agency": None}, d.case.owner) for c in consents),
        ]
    else:
        # A sheet is one event per owning office, naming its cases: the trail stays complete, not a row per row.
        by_owner: dict[int, list[Draft]] = {}
        for d in saving:
            by_owner.setdefault(d.case.owner_id, []).append(d)
        events = [
            (
                "cases.case.registered_in_bulk",
                Case,
                {
                    "count": len(rows),
                    "cases": [d.case.pk for d in rows],
                    "nik_given": sum(d.nik_given for d in rows),
                    "nik_warnings": sum(len(d.warnings) for d in rows),
                    "processing_consents": sum(bool(d.consent_on) for d in rows),
                },
                rows[0].case.owner,
            )
            for rows in by_owner.values()
        ]
    # The first stages and the audit events refer to rows already written, never to each other: one statement
    # for both keeps a single intake with an Idempotency-Key within its budget of 12 statements.
    user_id = user.pk if user is not None else None
    intake_rows.insert_rows_together(
        [
            (StageChange, [{"case_id": d.case.pk, "to_stage": d.case.stage, "changed_by_id": user_id} for d in saving]),
            (AuditEvent, audit.event_rows(actor, events, acting_for=saving[0].case.registered_by)),
        ]
    )
    flags = look_alikes([d.person for d in saving], {key: list(rows) for key, rows in pool.items()})
    PossibleDuplicate.objects.bulk_create(flags, ignore_conflicts=True)
    return flags


def show_target_groups(person: Person, groups: list[TargetGroup]) -> None:
    """Leave `groups` on `person` as prefetch_related would: the caller shows the new person with their groups,
    and is spared reading back the rows just written."""
    groups_now = person.target_groups.all()
    groups_now._result_cache, groups_now._prefetch_done = list(groups), True
    person._prefetched_objects_cache = {"target_groups": groups_now}
