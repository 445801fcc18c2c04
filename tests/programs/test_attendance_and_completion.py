"""Attendance per session, recorded by the organizers or the partner delivering it; completion by the threshold,
the follow-up schedule and the funding seam, safe to run twice (issue 4 §4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from agencies import access
from agencies.models import AuditEvent
from cases.models import Case, Person
from programs import completion, refusals, services
from programs.models import Attendance, Batch, Enrollment, FollowUp, Session
from tests.cases.factories import CaseFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

E = Enrollment.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan tata boga", attendance_threshold=80)


def _enroll(staff, batch, count: int) -> list[Enrollment]:
    """`count` planned cases of the organizer, with `staff` as their caseworker, enrolled (or waiting) in order."""
    return [
        services.enrollment_create(
            actor=staff,
            batch=batch,
            case=CaseFactory(owner=batch.program.organizer, stage=Case.Stage.PLANNED, caseworker=staff),
        )
        for _ in range(count)
    ]


@pytest.fixture
def batch(program, polres):
    """A five-day batch with three places that ran last week, a session each day; Polres taught on the third day."""
    starts_on = days_from_today(-10)
    batch = BatchFactory(program=program, number=1, starts_on=starts_on, capacity=3)
    for day in range(5):
        police = {"delivering_agency": polres, "topic": Session.Topic.PUBLIC_ORDER} if day == 2 else {}
        SessionFactory(batch=batch, date=starts_on + day * DAY, **police)
    return batch


@pytest.fixture
def enrollments(batch, staff):
    """Three cases fill the places and a fourth waits; then the batch starts."""
    enrolled = _enroll(staff, batch, 4)
    assert [e.status for e in enrolled] == [E.ENROLLED, E.ENROLLED, E.ENROLLED, E.WAITLISTED]
    services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    return enrolled


@pytest.fixture
def sessions(batch) -> list[Session]:
    return list(batch.sessions.order_by("date"))


@pytest.fixture
def police_session(sessions, polres) -> Session:
    return next(s for s in sessions if s.delivering_agency == polres)


@pytest.fixture
def own_session(sessions) -> Session:
    return sessions[0]


def _attend(actor, sessions, days_present: dict[Enrollment, int]) -> None:
    """Record each session: each enrollment present at the first `days_present[enrollment]` sessions."""
    for day, session in enumerate(sessions):
        services.attendance_record(
            actor=actor, session=session, present={e.pk: day < days for e, days in days_present.items()}
        )


def _statuses(batch) -> dict[int, str]:
    return dict(Enrollment.objects.filter(batch=batch).values_list("pk", "status"))


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# Attendance


def test_staff_record_who_was_present_at_a_session(staff, enrollments, own_session):
    first, second, third, _waiting = enrollments

    rows = services.attendance_record(
        actor=staff, session=own_session, present={first.pk: True, second.pk: False, third.pk: True}
    )

    assert len(rows) == 3
    recorded = Attendance.objects.filter(session=own_session)
    assert dict(recorded.values_list("enrollment", "present")) == {first.pk: True, second.pk: False, third.pk: True}
    assert {row.recorded_by for row in recorded} == {staff}
    event = AuditEvent.objects.get(action="programs.attendance.recorded")
    assert event.data == {"present": 2, "absent": 1}


def test_recording_a_session_again_corrects_it_without_adding_rows(staff, enrollments, own_session):
    first, second, *_rest = enrollments
    services.attendance_record(actor=staff, session=own_session, present={first.pk: True, second.pk: False})

    services.attendance_record(actor=staff, session=own_session, present={second.pk: True})

    recorded = Attendance.objects.filter(session=own_session)
    assert dict(recorded.values_list("enrollment", "present")) == {first.pk: True, second.pk: True}


@pytest.fixture
def session_on(program, staff):
    """Make a session `days` from today in a running batch from the day before yesterday to the day after tomorrow;
    returns it with the enrollment of one case."""

    def make(days: int) -> tuple[Session, Enrollment]:
        batch = BatchFactory(program=program, starts_on=days_from_today(-2))
        session = SessionFactory(batch=batch, date=days_from_today(days))
        (enrollment,) = _enroll(staff, batch, 1)
        return session, enrollment

    return make


@pytest.mark.parametrize("days", [-1, 0])
def test_attendance_is_recorded_on_or_after_the_day_of_the_session(session_on, staff, days):
    session, enrollment = session_on(days)

    services.attendance_record(actor=staff, session=session, present={enrollment.pk: True})

    assert Attendance.objects.filter(session=session, enrollment=enrollment, present=True).exists()


def test_attendance_for_a_session_that_has_not_happened_is_refused(session_on, staff):
    session, enrollment = session_on(1)

    with pytest.raises(ValidationError) as exc:
        services.attendance_record(actor=staff, session=session, present={enrollment.pk: True})

    assert list(exc.value.message_dict) == ["session"]
    assert not Attendance.objects.exists()


def test_attendance_of_someone_enrolled_in_another_batch_is_refused_and_nothing_is_saved(
    program, staff, enrollments, own_session
):
    other_batch = BatchFactory(program=program, number=2)
    (stranger,) = _enroll(staff, other_batch, 1)

    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=staff, session=own_session, present={enrollments[0].pk: True, stranger.pk: True}
        )

    assert list(exc.value.message_dict) == ["present"]
    assert not Attendance.objects.exists()


def test_attendance_of_someone_still_on_the_waiting_list_is_refused(staff, enrollments, own_session):
    waiting = enrollments[3]

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.attendance_record(actor=staff, session=own_session, present={waiting.pk: True})

    with translation.override("en"):
        assert exc.value.message_dict == {"present": [refusals.CASES_NOT_ENROLLED % {"cases": waiting.case.number}]}
    assert not Attendance.objects.exists()


def test_a_partner_trainer_records_attendance_of_the_session_their_agency_delivers(
    trainer, enrollments, police_session
):
    first, second, *_rest = enrollments

    services.attendance_record(actor=trainer, session=police_session, present={first.pk: True, second.pk: False})

    recorded = Attendance.objects.filter(session=police_session)
    assert dict(recorded.values_list("enrollment", "present")) == {first.pk: True, second.pk: False}
    assert {row.recorded_by for row in recorded} == {trainer}


def test_a_partner_trainer_may_not_record_attendance_of_a_session_someone_else_delivers(
    trainer, enrollments, own_session
):
    first, second, *_rest = enrollments

    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=trainer, session=own_session, present={first.pk: True, second.pk: False})

    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action="programs.attendance.recorded").exists()


def test_a_partner_trainer_may_not_record_attendance_of_a_batch_they_do_not_teach(program, staff, trainer):
    other_batch = BatchFactory(program=program, number=2, starts_on=days_from_today(-3))
    session = SessionFactory(batch=other_batch)
    (enrollment,) = _enroll(staff, other_batch, 1)

    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=trainer, session=session, present={enrollment.pk: True})

    assert not Attendance.objects.exists()


def test_a_partner_trainer_sees_the_roster_of_the_batch_they_teach_but_not_the_cases(
    program, staff, trainer, enrollments, police_session
):
    other_batch = BatchFactory(program=program, number=2)
    _enroll(staff, other_batch, 2)

    # Names only (DESIGN §5): the roster rows, not the cases or the persons behind them.
    assert set(access.visible_to(trainer, Enrollment)) == set(enrollments)
    assert not access.visible_to(trainer, Case).exists()
    assert not access.visible_to(trainer, Person).exists()


# Completion


@pytest.fixture
def attended(staff, enrollments, sessions):
    """Of the three enrolled: present at 4 of 5 sessions (80%), at 3 (60%), at all 5."""
    four, three, five, _waiting = enrollments
    _attend(staff, sessions, {four: 4, three: 3, five: 5})
    return enrollments


def test_enrollments_complete_by_the_attendance_threshold(staff, batch, attended):
    four, three, five, _waiting = attended

    result = services.batch_complete(actor=staff, batch=batch)

    assert sorted(e.pk for e in result.completed) == sorted([four.pk, five.pk])
    assert [e.pk for e in result.not_completed] == [three.pk]
    rows = dict(Enrollment.objects.filter(batch=batch).values_list("pk", "attendance_rate"))
    assert (rows[four.pk], rows[three.pk], rows[five.pk]) == (80, 60, 100)
    assert _fresh(batch).status == Batch.Status.FINISHED


def test_the_waiting_list_is_withdrawn_when_the_batch_completes(staff, batch, attended):
    four, three, five, waiting = attended

    services.batch_complete(actor=staff, batch=batch)

    assert _statuses(batch) == {
        four.pk: E.COMPLETED,
        three.pk: E.NOT_COMPLETED,
        five.pk: E.COMPLETED,
        waiting.pk: E.WITHDRAWN,
    }


def test_completion_schedules_follow_ups_after_the_batch_ends_for_the_caseworker(staff, batch, attended):
    four, three, five, _waiting = attended

    result = services.batch_complete(actor=staff, batch=batch)

    assert result.follow_ups_created == 6
    follow_ups = FollowUp.objects.filter(enrollment=four)
    assert sorted((f.offset_days, f.due_on) for f in follow_ups) == [
        (30, batch.ends_on + 30 * DAY),
        (90, batch.ends_on + 90 * DAY),
        (180, batch.ends_on + 180 * DAY),
    ]
    assert {(f.case, f.caseworker, f.done_on) for f in follow_ups} == {(four.case, staff, None)}
    assert not FollowUp.objects.filter(enrollment=three).exists()


def test_follow_ups_come_at_the_programs_own_offsets(staff, program, batch, attended):
    services.program_update(actor=staff, program=program, follow_up_offsets=[14, 60])

    services.batch_complete(actor=staff, batch=batch)

    assert sorted(FollowUp.objects.filter(enrollment=attended[0]).values_list("offset_days", flat=True)) == [14, 60]


def test_completing_twice_gives_the_same_statuses_and_no_duplicate_follow_ups(staff, batch, attended):
    services.batch_complete(actor=staff, batch=batch)
    statuses = _statuses(batch)
    follow_ups = set(FollowUp.objects.values_list("pk", "enrollment", "offset_days", "due_on", "caseworker"))

    again = services.batch_complete(actor=staff, batch=batch)

    assert _statuses(batch) == statuses
    assert set(FollowUp.objects.values_list("pk", "enrollment", "offset_days", "due_on", "caseworker")) == follow_ups
    assert len(follow_ups) == 6
    assert again.follow_ups_created == 0
    assert len(again.completed) == 2


@pytest.fixture
def handed_over():
    """A real completion handler (like funding's) that notes what it was given; unregistered afterwards."""
    calls = []

    def note_completed(*, actor, batch, completed):
        calls.append({"actor": actor, "batch": batch.pk, "completed": sorted(e.pk for e in completed)})

    completion.on_completion(note_completed)
    yield calls
    completion._handlers.remove(note_completed)


def test_completion_hands_exactly_the_completed_enrollments_to_the_registered_handlers(
    staff, batch, attended, handed_over
):
    four, _three, five, _waiting = attended

    services.batch_complete(actor=staff, batch=batch)

    assert handed_over == [{"actor": staff, "batch": batch.pk, "completed": sorted([four.pk, five.pk])}]


@pytest.fixture
def failing_handler():
    def refuse(*, actor, batch, completed):
        raise ValidationError({"batch": "No allocation left for this program."})

    completion.on_completion(refuse)
    yield
    completion._handlers.remove(refuse)


def test_a_failing_handler_rolls_the_whole_completion_back(staff, batch, attended, failing_handler):
    statuses = _statuses(batch)

    with pytest.raises(ValidationError):
        services.batch_complete(actor=staff, batch=batch)

    assert _statuses(batch) == statuses
    assert _fresh(batch).status == Batch.Status.RUNNING
    assert not FollowUp.objects.exists()


def test_a_batch_without_sessions_cannot_be_completed(program, staff):
    batch = BatchFactory(program=program, starts_on=days_from_today(-10))
    _enroll(staff, batch, 2)
    services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)

    with pytest.raises(ValidationError) as exc:
        services.batch_complete(actor=staff, batch=batch)

    assert list(exc.value.message_dict) == ["batch"]
    assert _fresh(batch).status == Batch.Status.RUNNING
    assert set(_statuses(batch).values()) == {E.ENROLLED}


@pytest.mark.parametrize("status", [Batch.Status.PLANNED, Batch.Status.OPEN, Batch.Status.CANCELLED])
def test_only_a_running_batch_can_be_completed(program, staff, status):
    batch = BatchFactory(program=program, starts_on=days_from_today(-10), status=status)
    SessionFactory(batch=batch)

    with pytest.raises(ValidationError) as exc:
        services.batch_complete(actor=staff, batch=batch)

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(batch).status == status


def test_a_partner_trainer_may_not_complete_the_batch(trainer, batch, attended):
    statuses = _statuses(batch)

    with pytest.raises(PermissionDenied):
        services.batch_complete(actor=trainer, batch=batch)

    assert _statuses(batch) == statuses
    assert not FollowUp.objects.exists()


def test_attendance_of_someone_who_did_not_complete_can_be_corrected_and_completion_rerun(
    staff, batch, attended, sessions
):
    _four, three, _five, _waiting = attended
    services.batch_complete(actor=staff, batch=batch)

    services.attendance_record(actor=staff, session=sessions[4], present={three.pk: True})
    services.batch_complete(actor=staff, batch=batch)

    assert _fresh(three).status == E.COMPLETED


def test_completion_marks_the_enrollments_it_changes_as_updated(staff, batch, attended):
    before = {e.pk: _fresh(e).updated_at for e in attended}

    services.batch_complete(actor=staff, batch=batch)

    after = dict(Enrollment.objects.filter(batch=batch).values_list("pk", "updated_at"))
    assert all(after[pk] > before[pk] for pk in before)
