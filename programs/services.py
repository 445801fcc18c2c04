"""Every change to programs, batches, sessions, enrollments, attendance and follow-ups.

Rows are locked through programs/locks.py, in the order it documents: Batch, then Case, then Enrollment.
Capacity is counted on the locked batch row and backed by a constraint; overlapping batches of one case are refused
under the case's lock and, on PostgreSQL, by an exclusion constraint (migration 0002).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from agencies import access, audit
from agencies.fastpath import saves
from agencies.models import Agency, Region, Role
from agencies.writes import (
    acting_user,
    agency_acting_as,
    apply_changes,
    require_may_add,
    require_version,
    save_validated,
)
from cases import locks as case_locks
from cases import services as case_services
from cases.models import Case, TargetGroup

from . import completion, locks, refusals
from .models import Attendance, Batch, Enrollment, FollowUp, Outcome, Program, Session

# Programs


def _organizing_agency(actor) -> Agency:
    roles = (Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.NGO_CASEWORKER)
    return agency_acting_as(actor, roles, refusals.MAY_NOT_ORGANIZE)


@access.grants_read_once
@transaction.atomic
def program_create(
    *,
    actor,
    name: str,
    kind: str,
    region: Region | None,
    fiscal_year: int,
    organizer: Agency | None = None,
    attendance_threshold: int = 80,
    follow_up_offsets: list[int] | None = None,
    left_site_target: int | None = None,
    target_groups: list[TargetGroup] = (),
) -> Program:
    """Create a program organized by the actor's agency (or one in their jurisdiction)."""
    require_may_add(actor, Program)
    program = Program(
        name=name,
        kind=kind,
        region=region,
        fiscal_year=fiscal_year,
        organizer=organizer or _organizing_agency(actor),
        attendance_threshold=attendance_threshold,
        left_site_target=left_site_target,
    )
    if follow_up_offsets is not None:
        program.follow_up_offsets = follow_up_offsets
    save_validated(program)
    access.require_within_scope(actor, program)
    program.target_groups.set(target_groups)
    audit.record(actor, "programs.program.created", program, {"kind": kind}, agency_id=program.organizer_id)
    return program


PROGRAM_EDITABLE = (
    "name",
    "kind",
    "region",
    "fiscal_year",
    "attendance_threshold",
    "follow_up_offsets",
    "left_site_target",
)


@access.grants_read_once
@transaction.atomic
def program_update(*, actor, program: Program, **changes) -> Program:
    """Change a program's details; follow-ups already scheduled keep their dates."""
    program = locks.program(program.pk)
    access.require_change(actor, program)
    target_groups = changes.pop("target_groups", None)
    diff = apply_changes(program, changes, PROGRAM_EDITABLE)
    if diff:
        save_validated(program, update_fields=[*diff, "updated_at"])
        audit.record(actor, "programs.program.updated", program, {"changed": diff}, agency_id=program.organizer_id)
    if target_groups is not None:
        program.target_groups.set(target_groups)
    return program


# Batches and sessions


@access.grants_read_once
@transaction.atomic
def batch_create(
    *,
    actor,
    program: Program,
    number: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    venue: str = "",
    capacity: int = 30,
) -> Batch:
    """Add a batch (gelombang) to a program the actor organizes."""
    access.require_change(actor, program)
    batch = Batch(program=program, number=number, starts_on=starts_on, ends_on=ends_on, venue=venue, capacity=capacity)
    save_validated(batch)
    audit.record(actor, "programs.batch.created", batch, {"capacity": capacity}, agency_id=program.organizer_id)
    return batch


@access.grants_read_once
@transaction.atomic
def batch_update(*, actor, batch: Batch, **changes) -> Batch:
    """Change a batch's dates, venue or capacity (never below the number enrolled)."""
    batch = locks.batch(batch.pk)
    access.require_change(actor, batch)
    if batch.status in (Batch.Status.FINISHED, Batch.Status.CANCELLED):
        raise ValidationError({"status": refusals.BATCH_OVER_UNCHANGEABLE})
    diff = apply_changes(batch, changes, ("number", "starts_on", "ends_on", "venue", "capacity"))
    if not diff:
        return batch
    save_validated(batch, update_fields=[*diff, "updated_at"])
    if "capacity" in diff:
        for _place in range(batch.places_left):
            if not _promote_from_waiting_list(actor, batch):
                break
    if {"starts_on", "ends_on"} & set(diff):
        moved = "starts_on" if "starts_on" in diff else "ends_on"  # the error points at the date that moved
        outside = batch.sessions.filter(Q(date__lt=batch.starts_on) | Q(date__gt=batch.ends_on))
        if outside.exists():
            raise ValidationError({moved: refusals.SESSIONS_OUTSIDE_NEW_DATES})
        _refuse_overlaps_for_new_dates(batch, moved)
        batch.enrollments.update(starts_on=batch.starts_on, ends_on=batch.ends_on, updated_at=timezone.now())
    audit.record(
        actor, "programs.batch.updated", batch, {"changed": _dates_as_text(diff)}, agency_id=batch.program.organizer_id
    )
    return batch


def _dates_as_text(diff: dict) -> dict:
    return {k: [str(v) if isinstance(v, datetime.date) else v for v in pair] for k, pair in diff.items()}


def _refuse_overlaps_for_new_dates(batch: Batch, field: str) -> None:
    clash = (
        Enrollment.objects.filter(
            case__in=batch.enrollments.exclude(status=Enrollment.Status.WITHDRAWN).values("case"),
            starts_on__lte=batch.ends_on,
            ends_on__gte=batch.starts_on,
        )
        .exclude(batch=batch)
        .exclude(status=Enrollment.Status.WITHDRAWN)
    )
    if clash.exists():
        raise ValidationError({field: refusals.ENROLLED_ELSEWHERE_ON_NEW_DATES})


BATCH_MOVES = {
    Batch.Status.OPEN: (Batch.Status.PLANNED,),
    Batch.Status.RUNNING: (Batch.Status.PLANNED, Batch.Status.OPEN),
    Batch.Status.CANCELLED: (Batch.Status.PLANNED, Batch.Status.OPEN, Batch.Status.RUNNING),
}


@access.grants_read_once
@transaction.atomic
def batch_set_status(*, actor, batch: Batch, status: str) -> Batch:
    """Open a batch for enrollment, start it, or cancel it (which withdraws everyone). Finish with batch_complete."""
    batch = locks.batch(batch.pk)
    access.require_change(actor, batch)
    if batch.status not in BATCH_MOVES.get(status, ()):
        raise ValidationError(
            {
                "status": refusals.BATCH_MOVE
                % {"old": batch.get_status_display(), "new": dict(Batch.Status.choices).get(status, status)}
            }
        )
    old = batch.status
    batch.status = status
    if status == Batch.Status.CANCELLED:
        batch.enrollments.filter(status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED]).update(
            status=Enrollment.Status.WITHDRAWN, updated_at=timezone.now()
        )
        batch.enrolled_count = 0
    batch.save(update_fields=["status", "enrolled_count", "updated_at"])
    audit.record(
        actor, "programs.batch.status_changed", batch, {"from": old, "to": status}, agency_id=batch.program.organizer_id
    )
    return batch


@access.grants_read_once
@transaction.atomic
def session_create(
    *,
    actor,
    batch: Batch,
    date: datetime.date,
    topic: str,
    delivering_agency: Agency | None,
    trainer_name: str = "",
) -> Session:
    """Schedule a session of a batch, on one of its days, delivered by an agency."""
    batch = locks.batch(batch.pk)
    access.require_change(actor, batch)
    if batch.status in (Batch.Status.FINISHED, Batch.Status.CANCELLED):
        raise ValidationError({"batch": refusals.BATCH_OVER_NO_SESSIONS})
    if date and not batch.starts_on <= date <= batch.ends_on:
        raise ValidationError(
            {
                "date": refusals.SESSION_OUTSIDE_BATCH
                % {"start": date_format(batch.starts_on), "end": date_format(batch.ends_on)}
            }
        )
    session = Session(
        batch=batch, date=date, topic=topic, delivering_agency=delivering_agency, trainer_name=trainer_name
    )
    save_validated(session)
    audit.record(actor, "programs.session.created", session, {"topic": topic}, agency_id=batch.program.organizer_id)
    return session


# Enrollment


@access.grants_read_once
@transaction.atomic
def enrollment_create(*, actor, batch: Batch, case: Case) -> Enrollment:
    """Enroll a case, or put it on the waiting list when the batch is full. A planned case enters intervention."""
    access.grants_of(actor)  # read before the batch's lock: every enrollment into the batch waits on that lock
    batch = locks.batch(batch.pk)
    access.require_see(actor, batch)
    case = case_locks.case(case.pk)
    access.require_change(actor, case)
    if batch.status not in Batch.ENROLLING:
        raise ValidationError({"batch": refusals.BATCH_NOT_ENROLLING})
    if not case.is_open:
        raise ValidationError({"case": refusals.CASE_CLOSED})
    # This batch, another whose dates overlap it (a case is in at most one of them at a time), and whether anyone
    # waits for a place here: one look.
    (found,) = saves.values(
        "programs.enrollment_create",
        _enrollment_look,
        batch=batch.pk,
        case=case.pk,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
    )
    if found["here"]:
        raise ValidationError({"case": refusals.ALREADY_ENROLLED})
    if found["elsewhere"] is not None:
        other = Batch.objects.select_related("program").get(pk=found["elsewhere"])
        raise ValidationError({"case": refusals.OVERLAPS_BATCH % {"batch": other}})
    # A free place goes to the waiting list first: a newcomer never jumps the queue.
    has_place = batch.enrolled_count < batch.capacity and not found["waiting"]
    enrollment = Enrollment(
        batch=batch,
        case=case,
        status=Enrollment.Status.ENROLLED if has_place else Enrollment.Status.WAITLISTED,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
        enrolled_by=acting_user(actor),
    )
    try:
        save_validated(enrollment)
    except IntegrityError:
        # Only the PostgreSQL exclusion constraint gets here: the checks above ran under the case's lock.
        raise ValidationError({"case": refusals.OVERLAPS_ANOTHER_BATCH}) from None
    access.require_within_scope(actor, enrollment, parent_changeable=case)
    if has_place:
        _take_place(actor, batch, enrollment)
    audit.record(
        actor, "programs.enrollment.created", enrollment, {"status": enrollment.status}, agency_id=case.owner_id
    )
    return enrollment


def _enrollment_look(*, batch, case, starts_on, ends_on):
    # enrollment_create's questions about `case` and the locked `batch` (its id and dates), as one row.
    live = Enrollment.objects.exclude(status=Enrollment.Status.WITHDRAWN).filter(case=case)
    overlapping = live.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exclude(batch=OuterRef("pk"))
    return (
        Batch.objects.filter(pk=batch)
        .order_by()
        .values(
            here=Exists(live.filter(batch=OuterRef("pk"))),
            # The first by Enrollment's order, which the refusal names.
            elsewhere=Subquery(overlapping.order_by("batch_id", "created_at", "id").values("batch")[:1]),
            waiting=Exists(Enrollment.objects.filter(batch=OuterRef("pk"), status=Enrollment.Status.WAITLISTED)),
        )
    )


def _take_place(actor, batch: Batch, enrollment: Enrollment) -> None:
    batch.enrolled_count += 1
    saves.update(batch, ["enrolled_count", "updated_at"])
    if enrollment.case.stage == Case.Stage.PLANNED:
        # The case is locked and was checked changeable by enrollment_create: its next step needs no other check.
        case_services.case_step_forward_held(actor=actor, case=enrollment.case, to=Case.Stage.IN_INTERVENTION)


@access.grants_read_once
@transaction.atomic
def enrollment_withdraw(*, actor, enrollment: Enrollment) -> Enrollment:
    """Withdraw from a batch; the longest-waiting case on the waiting list takes the place."""
    batch = locks.batch(enrollment.batch_id)
    enrollment = locks.enrollment_with_case(enrollment.pk)
    access.require_change(actor, enrollment)
    if enrollment.status not in (Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED):
        raise ValidationError({"status": refusals.NOT_WITHDRAWABLE})
    if batch.status not in (*Batch.ENROLLING, Batch.Status.RUNNING):
        raise ValidationError({"batch": refusals.BATCH_OVER_ENROLLMENTS_FINAL})
    held_a_place = enrollment.status == Enrollment.Status.ENROLLED
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save(update_fields=["status", "updated_at"])
    audit.record(actor, "programs.enrollment.withdrawn", enrollment, {}, agency_id=enrollment.case.owner_id)
    if held_a_place:
        batch.enrolled_count -= 1
        batch.save(update_fields=["enrolled_count", "updated_at"])
        _promote_from_waiting_list(actor, batch)
    return enrollment


def _promote_from_waiting_list(actor, batch: Batch) -> bool:
    """Give the longest-waiting case the free place; False when nobody waits."""
    waiting = locks.first_waiting(batch)
    # Once a batch runs, a late joiner could not reach the attendance threshold: nobody moves up then.
    if waiting is None or batch.status not in Batch.ENROLLING:
        return False
    waiting.status = Enrollment.Status.ENROLLED
    waiting.save(update_fields=["status", "updated_at"])
    batch.enrolled_count += 1
    batch.save(update_fields=["enrolled_count", "updated_at"])
    # The promoted case may belong to another office: its stage moves in the system's name, audited as such.
    case_services.case_enter_intervention_on_promotion(case=waiting.case)
    audit.record(actor, "programs.enrollment.promoted", waiting, {}, agency_id=waiting.case.owner_id)
    return True


# Attendance


@access.grants_read_once
@transaction.atomic
def attendance_record(*, actor, session: Session, present: dict[int, bool]) -> list[Attendance]:
    """Record who was present at a session ({enrollment id: present}); recording again corrects it."""
    session = Session.objects.select_related("batch__program__region").get(pk=session.pk)
    access.get_visible(actor, Session, pk=session.pk)
    if session.date > session.batch.today():  # the day where the class meets (WIT is two hours ahead of WIB)
        raise ValidationError({"session": refusals.ATTENDANCE_BEFORE_SESSION})
    enrollments = {
        e.pk: e
        for e in session.batch.enrollments.filter(
            pk__in=list(present),
            # Judged people stay correctable: completion may be run again after a wrong absence is fixed.
            status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED, Enrollment.Status.NOT_COMPLETED],
        )
    }
    unknown = set(present) - set(enrollments)
    if unknown:
        raise ValidationError({"present": _not_enrolled_message(actor, session, unknown)})
    # One statement for the whole column, whether a mark is new or a correction.
    recorded = Attendance.objects.bulk_create(
        [
            Attendance(enrollment_id=pk, session=session, present=bool(was), recorded_by=acting_user(actor))
            for pk, was in present.items()
        ],
        update_conflicts=True,
        unique_fields=["enrollment", "session"],
        update_fields=["present", "recorded_by", "recorded_at"],
    )
    allowed = access.changeable_by(actor, Attendance).filter(session=session, enrollment__in=list(present)).count()
    if allowed != len(recorded):
        raise PermissionDenied(refusals.ATTENDANCE_NOT_YOURS)
    audit.record(
        actor,
        "programs.attendance.recorded",
        session,
        {"present": sum(map(bool, present.values())), "absent": sum(not p for p in present.values())},
        agency_id=session.batch.program.organizer_id,
    )
    return recorded


def _not_enrolled_message(actor, session: Session, enrollment_ids: set[int]) -> str:
    # Named by case number, as the roster shows them, and only the ones `actor` may see on it.
    numbers = sorted(
        access.visible_to(actor, Enrollment)
        .filter(batch=session.batch_id, pk__in=enrollment_ids)
        .values_list("case__number", flat=True)
    )
    if not numbers:
        return refusals.TICKED_NOT_ENROLLED
    return refusals.CASES_NOT_ENROLLED % {"cases": ", ".join(numbers)}


def attendance_field(session: Session) -> str:
    """The name under which a session's attendance travels in forms and errors: its column of the roster."""
    return f"present-{session.pk}"


@access.grants_read_once
@transaction.atomic
def attendance_record_sessions(*, actor, attendance: dict[Session, dict[int, bool]]) -> list[Attendance]:
    """Record several sessions' attendance at once ({session: {enrollment id: present}}): all of it or none.

    Raises ValidationError keyed by each refused session's `attendance_field`, so a grid can show every
    refusal beside its column; one refusal rolls every session back.
    """
    recorded, refused = [], {}
    for session, present in attendance.items():
        try:
            recorded += attendance_record(actor=actor, session=session, present=present)
        except (ValidationError, PermissionDenied) as exc:
            refused[attendance_field(session)] = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    if refused:
        raise ValidationError(refused)
    return recorded


# Completion


@dataclass
class CompletionResult:
    batch: Batch
    completed: list[Enrollment]
    not_completed: list[Enrollment]
    follow_ups_created: int


@access.grants_read_once
@transaction.atomic
def batch_complete(*, actor, batch: Batch) -> CompletionResult:
    """Finish a batch: completed or not by the attendance threshold, follow-ups scheduled, benefits handed on.

    Safe to run again: the same enrollments are judged the same way and nothing is created twice.
    """
    batch = locks.batch_with_program(batch.pk)
    access.require_change(actor, batch)
    if batch.status not in (Batch.Status.RUNNING, Batch.Status.FINISHED):
        raise ValidationError({"status": refusals.ONLY_RUNNING_COMPLETES})
    program = batch.program
    sessions = batch.sessions.count()
    if sessions == 0:
        raise ValidationError({"batch": refusals.NO_SESSIONS_TO_COMPLETE})
    enrollments = list(
        batch.enrollments.filter(
            status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED, Enrollment.Status.NOT_COMPLETED]
        )
        .select_related("case")
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)))
    )
    completed, not_completed = [], []
    now = timezone.now()
    for enrollment in enrollments:
        enrollment.updated_at = now  # bulk_update skips auto_now, and sync clients list by updated_at
        rate = round(100 * enrollment.attended / sessions)
        enrollment.attendance_rate = rate
        enrollment.status = (
            Enrollment.Status.COMPLETED if rate >= program.attendance_threshold else Enrollment.Status.NOT_COMPLETED
        )
        (completed if enrollment.status == Enrollment.Status.COMPLETED else not_completed).append(enrollment)
    Enrollment.objects.bulk_update(enrollments, ["status", "attendance_rate", "updated_at"])
    # Waiting-list places never taken are over with the batch.
    batch.enrollments.filter(status=Enrollment.Status.WAITLISTED).update(
        status=Enrollment.Status.WITHDRAWN, updated_at=now
    )
    follow_ups = [
        FollowUp(
            case=e.case,
            enrollment=e,
            offset_days=days,
            due_on=batch.ends_on + datetime.timedelta(days=days),
            caseworker=e.case.caseworker,
        )
        for e in completed
        for days in program.follow_up_offsets
    ]
    before = FollowUp.objects.filter(enrollment__batch=batch).count()
    FollowUp.objects.bulk_create(follow_ups, ignore_conflicts=True)
    created = FollowUp.objects.filter(enrollment__batch=batch).count() - before
    batch.status = Batch.Status.FINISHED
    batch.save(update_fields=["status", "updated_at"])
    completion.run(actor=actor, batch=batch, completed=completed)
    audit.record(
        actor,
        "programs.batch.completed",
        batch,
        {"completed": len(completed), "not_completed": len(not_completed), "follow_ups_created": created},
        agency_id=program.organizer_id,
    )
    return CompletionResult(batch, completed, not_completed, created)


# Follow-ups


@access.grants_read_once
@transaction.atomic
def follow_up_record(
    *,
    actor,
    follow_up: FollowUp,
    recorded_on: datetime.date,
    site_status: str,
    business_started: bool = False,
    business_type: str = "",
    income_band: str = "",
    left_site_on: datetime.date | None = None,
    bpjs_enrolled: bool = False,
) -> Outcome:
    """Record a follow-up visit and its outcome; the follow-up is done."""
    follow_up = locks.follow_up(follow_up.pk)
    access.require_change(actor, follow_up)
    if follow_up.done_on is not None:
        raise ValidationError({"follow_up": refusals.FOLLOW_UP_ALREADY_RECORDED})
    _check_visit(recorded_on, left_site_on, business_started, business_type)
    outcome = Outcome(
        follow_up=follow_up,
        case=follow_up.case,
        recorded_on=recorded_on,
        site_status=site_status,
        business_started=business_started,
        business_type=business_type.strip(),
        income_band=income_band,
        left_site_on=left_site_on,
        bpjs_enrolled=bpjs_enrolled,
        recorded_by=acting_user(actor),
    )
    save_validated(outcome)
    follow_up.done_on = recorded_on
    follow_up.save(update_fields=["done_on", "updated_at"])
    audit.record(
        actor,
        "programs.follow_up.recorded",
        follow_up,
        {"site_status": site_status, "business_started": business_started},
        agency_id=follow_up.case.owner_id,
    )
    return outcome


def _check_visit(recorded_on, left_site_on, business_started: bool, business_type: str) -> None:
    today = timezone.localdate()
    if recorded_on and recorded_on > today:
        raise ValidationError({"recorded_on": refusals.VISIT_IN_FUTURE})
    if left_site_on and left_site_on > today:
        raise ValidationError({"left_site_on": refusals.LEFT_SITE_IN_FUTURE})
    if business_started and not business_type.strip():
        raise ValidationError({"business_type": refusals.BUSINESS_TYPE_MISSING})


OUTCOME_EDITABLE = (
    "recorded_on",
    "site_status",
    "business_started",
    "business_type",
    "income_band",
    "left_site_on",
    "bpjs_enrolled",
)


@access.grants_read_once
@transaction.atomic
def follow_up_visit_update(*, actor, follow_up: FollowUp, if_match: Sequence[str] | None = None, **changes) -> Outcome:
    """Correct what a recorded follow-up visit found. The version is the follow-up's: it is compared under the
    follow-up's lock and moves with every change. Raises VersionMismatch, ValidationError (a field, or `follow_up`
    when the visit is not recorded yet) or PermissionDenied."""
    follow_up = locks.follow_up(follow_up.pk)
    require_version(follow_up, if_match)
    access.require_change(actor, follow_up)
    if follow_up.done_on is None:
        raise ValidationError({"follow_up": refusals.FOLLOW_UP_NOT_RECORDED})
    # Every writer of an outcome holds its follow-up's lock first: this read is the latest one.
    outcome = locks.outcome_of(follow_up)
    if "business_type" in changes:
        changes["business_type"] = changes["business_type"].strip()
    diff = apply_changes(outcome, changes, OUTCOME_EDITABLE)
    _check_visit(outcome.recorded_on, outcome.left_site_on, outcome.business_started, outcome.business_type)
    outcome.follow_up = follow_up
    if not diff:
        return outcome
    save_validated(outcome, update_fields=list(diff))
    # The visit's date is the follow-up's; and saving the follow-up moves its version.
    follow_up.done_on = outcome.recorded_on
    follow_up.save(update_fields=["done_on", "updated_at"] if "recorded_on" in diff else ["updated_at"])
    audit.record(
        actor,
        "programs.follow_up.updated",
        follow_up,
        {"fields": sorted(diff)},
        agency_id=follow_up.case.owner_id,
    )
    return outcome
