"""Retention (UU 27/2022, issue 18 item 9): the nightly job that pseudonymizes persons whose cases were all closed
longer ago than RETENTION_CASE_YEARS, unless a legal hold applies; then deletes the access log's events past
RETENTION_AUDIT_YEARS and export files that still name someone it pseudonymized.

What is removed, per field, is declared once: the person's fields here (PERSON_FIELDS), the rows about her case in
each app's `retention.py` (agencies.retention.register_scrub); `agencies.retention.retention_plan()` lists them all.
What the figures read (cases/programs/funding indicators.py) is kept: the case's owner, target group, site of origin,
stage, stage dates and close reason; enrollments, attendance, follow-ups, outcomes' facts, entitlements and money.
So every figure is the same before and after (tests/cases/test_retention.py).

Chunked for a million cases: the persons are walked in windows of CHUNK ids, the due ones of each window one
transaction that locks its persons and their cases and checks again that they are due and not held (a hold placed
or a case reopened meanwhile wins). A failed chunk is rolled back, counted and left for the next night; the run
goes on. Running twice changes nothing more: a pseudonymized person is no longer due.

Services: `retention_run` (beat, nightly, and the officer's "Jalankan sekarang" through `retention_run_request`),
`legal_hold_place` and `legal_hold_lift` (the data-protection officer, by case number, without reading the case).
"""

from __future__ import annotations

import datetime
import logging
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, ExtractYear, Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import access, audit
from agencies import exports as agency_exports
from agencies.models import AuditEvent, IdempotencyRecord, Region, RetentionRun, Role, User
from agencies.retention import (
    PERSON_FIELDS,
    PSEUDONYM,
    SCRUBS,
    RetentionClass,
    Treatment,
    period_of,
    register_scrub,
    trail_expire,
    years_before,
)

from .models import (
    Assessment,
    Case,
    CaseNote,
    Consent,
    CorrectionRequest,
    LegalHold,
    Person,
    PossibleDuplicate,
    Referral,
    Restriction,
    RetentionCase,
    StageChange,
    SubjectAccessRequest,
    Transfer,
)

log = logging.getLogger(__name__)

# Persons per transaction: their cases and every row about them are rewritten in it (a few thousand rows).
CHUNK = 500
# A run still "running" after this long was lost with its worker: it no longer stops another from starting.
RUNNING_FOR_AT_MOST = datetime.timedelta(hours=6)
ALREADY_RUNNING = _("The retention job is running now; its result will show here when it ends.")
NO_SUCH_CASE = _("No case with this number in your area.")

# The person's own fields (what the data inventory must list as pseudonymized for the case-record class).
PERSON_FIELDS.update(
    {
        "full_name": (Treatment.REPLACED, ""),
        "known_as": (Treatment.CLEARED, ""),
        "name_key": (Treatment.REPLACED, _("kept by the database from the names (the name search)")),
        "nik": (Treatment.CLEARED, _("the ciphertext")),
        "nik_hash": (Treatment.CLEARED, ""),
        "phone": (Treatment.CLEARED, _("the ciphertext")),
        "address": (Treatment.CLEARED, ""),
        "birth_date": (Treatment.COARSENED, _("to the year (birth year)")),
        "home_region": (Treatment.COARSENED, _("a kecamatan to its regency/city")),
        "current_site": (Treatment.CLEARED, _("the site of origin stays on the case, for the figures")),
        "sex, target_groups": (Treatment.KEPT, ""),
    }
)

# The rows about her case that this app keeps, and the free text in them (any of it may name her).
register_scrub(
    Case, case="pk", cleared=("external_id",), kept=_("number, owner, target group, site of origin, stage, dates")
)
register_scrub(Assessment, case="case", replaced=("needs", "skills_wanted", "business_idea"))
register_scrub(CaseNote, case="case", replaced=("body",))
register_scrub(StageChange, case="case", replaced=("reason",), kept=_("the stages and their dates"))
register_scrub(Referral, case="case", replaced=("reason", "decline_reason"), kept=_("kind, agencies, status, dates"))
register_scrub(Transfer, case="case", kept=_("agencies and date"))
register_scrub(Consent, person="person", kept=_("purpose, agency and dates"))
# Her requests under UU 27/2022 stay in their registers (their own retention), without what they said of her.
register_scrub(
    CorrectionRequest,
    case="case",
    replaced=("old_value", "new_value", "evidence_note", "reject_reason"),
    kept=_("the field, the kind of evidence, who decided and when"),
)
register_scrub(Restriction, person="person", replaced=("note", "lift_reason"), kept=_("the reason's kind and dates"))
register_scrub(
    SubjectAccessRequest,
    person="person",
    replaced=("identity_note", "refusal_reason"),
    kept=_("the channel, the deadline, how it was delivered"),
)


def case_term_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Cases closed before this moment are past their term (RETENTION_CASE_YEARS after closure)."""
    return years_before(now, period_of(RetentionClass.CASE_RECORD).years)


def trail_cutoff(now: datetime.datetime) -> datetime.datetime:
    return years_before(now, period_of(RetentionClass.AUDIT_TRAIL).years)


def _held():
    """Whether an active legal hold is on any case of the person (OuterRef "pk")."""
    return Exists(LegalHold.objects.active().filter(case__person=OuterRef("pk")))


def persons_due(cutoff: datetime.datetime):
    """Persons not yet pseudonymized with at least one case, every case of theirs closed before `cutoff`; annotated
    `held` when a legal hold keeps them. A person merged into another goes with that one (`_with_merged`)."""
    cases = Case.objects.filter(person=OuterRef("pk"))
    kept = cases.exclude(stage=Case.Stage.CLOSED, stage_changed_at__lt=cutoff)
    return (
        Person.objects.filter(pseudonymized_at__isnull=True, merged_into__isnull=True)
        .filter(Exists(cases))
        .exclude(Exists(kept))
        .annotate(held=_held())
    )


def cases_due(actor, *, now=None):
    """The cases `actor` may see in the retention register (number, office, closure) whose person is due now."""
    cutoff = case_term_cutoff(now or timezone.now())
    return access.visible_to(actor, RetentionCase).filter(
        person__in=persons_due(cutoff).values("pk"), stage=Case.Stage.CLOSED
    )


# The job


def retention_run(*, actor: User | None = None, now: datetime.datetime | None = None) -> RetentionRun:
    """Pseudonymize every person due and not held, delete trail events and export files past their term, and record
    the run (counts only). A chunk that fails is rolled back and counted; anything else failing marks the run failed
    (the error's class only) and is raised."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(
        started_by=actor, cases_closed_before=case_term_cutoff(now), events_before=trail_cutoff(now)
    )
    try:
        _pseudonymize_due(run, now)
        run.events_deleted = trail_expire(before=run.events_before)
        run.exports_deleted = _exports_naming_the_pseudonymized(now)
        run.status, run.finished_at = RetentionRun.Status.DONE, timezone.now()
    except Exception as exc:
        run.status, run.finished_at, run.error = RetentionRun.Status.FAILED, timezone.now(), type(exc).__name__
        run.save()
        log.exception("retention run %s failed", run.pk)
        raise
    run.save()
    audit.record_system(
        "agencies.retention.ran",
        run,
        {
            "pseudonymized": run.persons_pseudonymized,
            "held": run.persons_held,
            "events_deleted": run.events_deleted,
            "exports_deleted": run.exports_deleted,
            "errors": run.errors,
        },
        actor=actor,
    )
    return run


def _pseudonymize_due(run: RetentionRun, now: datetime.datetime) -> None:
    # Windows of CHUNK person ids, not "the next CHUNK due" (`pk > last LIMIT n`): with few due, PostgreSQL answers
    # that by an anti-join over every person and case (1 s at a million cases, per chunk), while a window of ids is an
    # index range and a probe per person (~10 ms): one pass over the table in all, whatever is due.
    due = persons_due(run.cases_closed_before).order_by("pk")
    top = Person.objects.aggregate(top=Max("pk"))["top"] or 0
    for start in range(0, top, CHUNK):
        chunk = list(due.filter(pk__gt=start, pk__lte=start + CHUNK).values_list("pk", "held"))
        if not chunk:
            continue
        run.persons_held += sum(1 for _pk, held in chunk if held)
        ids = [pk for pk, held in chunk if not held]
        try:
            with transaction.atomic():
                run.persons_pseudonymized += pseudonymize(ids, run=run, now=now)
        except Exception as exc:  # noqa: BLE001 — the chunk is rolled back; the next night tries it again
            run.errors += 1
            run.error = type(exc).__name__
            log.warning("retention run %s: a chunk failed (%s)", run.pk, type(exc).__name__)
        run.save(update_fields=["persons_pseudonymized", "persons_held", "errors", "error"])


def _with_merged(ids: list[int]) -> list[int]:
    """`ids` and every person merged into one of them (directly or through another merged one)."""
    found, frontier = set(ids), list(ids)
    while frontier:
        merged = Person.objects.filter(merged_into__in=frontier).exclude(pk__in=found)
        frontier = list(merged.values_list("pk", flat=True))
        found.update(frontier)
    return sorted(found)


def pseudonymize(ids: list[int], *, run: RetentionRun, now: datetime.datetime) -> int:
    """Pseudonymize the persons `ids` that are still due and not held, inside the caller's transaction; returns how
    many. Their rows are locked first (persons, then cases), and due-ness is asked again under the locks."""
    if not ids:
        return 0
    locked = list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    list(Case.objects.select_for_update().filter(person__in=locked).order_by("pk").values_list("pk", flat=True))
    due = persons_due(run.cases_closed_before).filter(pk__in=locked, held=False)
    still = list(due.order_by("pk").values_list("pk", flat=True))
    if not still:
        return 0
    persons = _with_merged(still)
    cases = list(Case.objects.filter(person__in=persons).values_list("pk", "person_id", "owner_id"))
    case_ids = [pk for pk, _person, _owner in cases]

    # A kecamatan is coarsened to its regency/city; a regency/city or province stays.
    regency = Subquery(
        Region.objects.filter(code=OuterRef("home_region_id"), level=Region.Level.DISTRICT).values("parent_id")[:1]
    )
    # One statement: the right-hand sides read the row as it was (the birth year from the old birth date).
    Person.objects.filter(pk__in=persons).update(
        full_name=PSEUDONYM,
        known_as="",
        nik="",
        nik_hash=None,
        phone="",
        address="",
        birth_year=Coalesce(ExtractYear("birth_date"), F("birth_year")),
        birth_date=None,
        home_region=Coalesce(regency, F("home_region_id"), output_field=CharField()),
        current_site=None,
        pseudonymized_at=now,
        updated_at=now,
    )
    replies = []
    for scrub in SCRUBS:
        rows = scrub.model._default_manager.filter(
            **({f"{scrub.case}__in": case_ids} if scrub.case else {f"{scrub.person}__in": persons})
        )
        # Sync clients (the NGOs' apps) fetch rows changed since their last sync: the rewritten rows say so.
        stamp = {"updated_at": now} if any(f.name == "updated_at" for f in scrub.model._meta.concrete_fields) else {}
        for field in scrub.replaced:
            _holding_text(rows, field).update(**{field: PSEUDONYM})
        for field in scrub.cleared:
            _holding_text(rows, field).update(**{field: ""})
        if stamp:
            # Every row about her, changed or not: what a sync client keeps of it shows her name (a case, a roster).
            rows.update(**stamp)
        replies.append((scrub.model, rows))
    replies.append((Person, Person.objects.filter(pk__in=persons)))
    _forget_replies(replies)
    # A pair flagged for review on her name and birth is moot without them; a reviewed pair is a decision, kept.
    PossibleDuplicate.objects.filter(Q(person__in=persons) | Q(similar_to__in=persons)).filter(
        status=PossibleDuplicate.Status.OPEN
    ).delete()

    # The trail: one event per person, with the run and a count only.
    owner_of = {}
    for _pk, person, owner in cases:
        owner_of[person] = owner
    person_type = ContentType.objects.get_for_model(Person)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_user=run.started_by,
                action="cases.person.pseudonymized",
                agency_id=owner_of.get(pk),
                target_type=person_type,
                target_id=str(pk),
                data={"run": run.pk, "cases": sum(1 for _c, p, _o in cases if p == pk)},
            )
            for pk in still
        ]
    )
    return len(still)


def _holding_text(rows, field: str):
    """The rows whose `field` holds something: by the stored length, which an encrypted field (compared by no lookup,
    its ciphertext differing each time) answers as well as a plain one."""
    return rows.alias(**{f"{field}_length": Length(field)}).filter(**{f"{field}_length__gt": 0})


def _forget_replies(rows_of_models) -> None:
    """Stored API replies (agencies.IdempotencyRecord) showing one of the rows of each (model, rows): encrypted, yet
    they hold her data. One DELETE for every model at once."""
    about = [Q(about_type=model._meta.label_lower, about_id__in=rows.values("pk")) for model, rows in rows_of_models]
    IdempotencyRecord.objects.filter(reduce(or_, about)).delete()


def _exports_naming_the_pseudonymized(now: datetime.datetime) -> int:
    """Delete export files written before someone in them was pseudonymized (the case numbers name her rows)."""
    oldest = agency_exports.oldest_live_list_export()
    if oldest is None:
        return 0
    numbers = dict(
        Case.objects.filter(person__pseudonymized_at__gte=oldest).values_list("number", "person__pseudonymized_at")
    )
    return agency_exports.exports_delete_mentioning(numbers) if numbers else 0


# The "run now" button


def may_run(actor) -> bool:
    return access.is_setup_superuser(actor) or any(
        g.role == Role.DATA_PROTECTION_OFFICER for g in access.grants_of(actor)
    )


@transaction.atomic
def retention_run_request(*, actor) -> None:
    """Queue a retention run for `actor` (after commit). PermissionDenied unless a data-protection officer (or set-up
    superuser); ValidationError while one started in the last hours is still running."""
    if not may_run(actor):
        raise PermissionDenied(access.MAY_NOT_CHANGE)
    running = RetentionRun.objects.filter(
        status=RetentionRun.Status.RUNNING, started_at__gte=timezone.now() - RUNNING_FOR_AT_MOST
    )
    if running.exists():
        raise ValidationError({"status": ALREADY_RUNNING})
    audit.record(actor, "agencies.retention.requested", RetentionRun)
    from .tasks import retention_run_task

    transaction.on_commit(lambda: retention_run_task.delay(actor_id=actor.pk))


# Legal holds


@transaction.atomic
def legal_hold_place(*, actor, case_number: str, reason: str, until: datetime.date) -> LegalHold:
    """Hold the person of case `case_number` (found among the cases of `actor`'s retention register) until `until`.
    ValidationError naming the field: no such case in the area (whether or not it exists elsewhere), no reason,
    a last day in the past."""
    number = (case_number or "").strip()
    case = access.changeable_by(actor, RetentionCase).filter(number=number).first() if number else None
    errors = {}
    if case is None:
        errors["case_number"] = NO_SUCH_CASE
    if not (reason or "").strip():
        errors["reason"] = _("Say why the case is held (the proceeding or letter), without the person's name.")
    if until is None or until < timezone.localdate():
        errors["until"] = _("The last day of the hold cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    # The person's row is locked as the retention chunk locks it: a hold placed while her chunk runs waits for it,
    # and a chunk that starts after this commits sees the hold.
    Person.objects.select_for_update().filter(pk=case.person_id).first()
    hold = LegalHold.objects.create(case_id=case.pk, reason=reason.strip(), until=until, placed_by=actor)
    audit.record(
        actor, "cases.legal_hold.placed", hold, {"case": case.pk, "until": until.isoformat()}, agency_id=case.owner_id
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    """Lift an active hold, saying why. Http404 unless `actor` may change it; ValidationError if already lifted or
    without a reason."""
    hold = access.get_visible(actor, LegalHold, pk=hold.pk)
    access.require_change(actor, hold)
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise ValidationError({"lift_reason": _("This hold was already lifted.")})
    if not (reason or "").strip():
        raise ValidationError({"lift_reason": _("Say why the hold is lifted.")})
    hold.lifted_at, hold.lifted_by, hold.lift_reason = timezone.now(), actor, reason.strip()
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit.record(actor, "cases.legal_hold.lifted", hold, {"case": hold.case_id}, agency_id=hold.case.owner_id)
    return hold
