"""Programs, their batches (gelombang) and sessions: who may set them up, and the dates and places they keep."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.formats import date_format

from agencies.models import AuditEvent, Role
from programs import refusals, services
from programs.models import Batch, Enrollment, Program, Session
from tests.programs.factories import BatchFactory, EnrollmentFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

B = Batch.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan menjahit")


@pytest.fixture
def batch(program):
    """Batch 1 of Semarang's program, open, five days from two weeks on, 30 places."""
    return BatchFactory(program=program, number=1)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# Programs


@pytest.fixture
def create_program(staff, semarang):
    """program_create with complete, valid details; a test overrides the one thing it is about."""

    def create(actor=staff, **overrides):
        details = {
            "name": "Pelatihan tata boga",
            "kind": Program.Kind.SKILLS_TRAINING,
            "region": semarang.region,
            "fiscal_year": 2026,
        }
        return services.program_create(actor=actor, **{**details, **overrides})

    return create


def test_a_program_is_organized_by_the_actors_office_with_the_default_threshold_and_follow_ups(
    create_program, staff, semarang
):
    program = create_program()

    assert program.organizer == semarang
    assert program.attendance_threshold == 80
    assert program.follow_up_offsets == [30, 90, 180]
    event = AuditEvent.objects.get(action="programs.program.created")
    assert (event.actor_user, event.agency, event.target_id) == (staff, semarang, str(program.pk))


def test_district_staff_cannot_create_a_program_for_another_agency(create_program, banyuwangi):
    with pytest.raises(PermissionDenied):
        create_program(organizer=banyuwangi)

    assert not Program.objects.exists()


def test_province_staff_may_create_a_program_for_a_district_office_in_their_province(
    create_program, province_staff, semarang
):
    program = create_program(actor=province_staff, organizer=semarang)

    assert program.organizer == semarang


def test_a_partner_trainer_may_not_create_programs(create_program, member, polres):
    with pytest.raises(PermissionDenied):
        create_program(actor=member(Role.PARTNER_TRAINER, agency=polres))

    assert not Program.objects.exists()


def test_follow_up_offsets_are_kept_sorted_and_without_repeats(create_program):
    program = create_program(follow_up_offsets=[180, 30, 90, 30])

    assert _fresh(program).follow_up_offsets == [30, 90, 180]


@pytest.mark.parametrize("offsets", [[0], [-30], [3651], [30, 90.5], "30, 90, 180", [30, "90"]])
def test_follow_up_offsets_must_be_whole_days_between_1_and_3650(create_program, offsets):
    with pytest.raises(ValidationError) as exc:
        create_program(follow_up_offsets=offsets)

    assert list(exc.value.message_dict) == ["follow_up_offsets"]
    assert not Program.objects.exists()


@pytest.mark.parametrize("threshold", [0, 101])
def test_the_attendance_threshold_is_a_percentage_from_1_to_100(create_program, threshold):
    with pytest.raises(ValidationError) as exc:
        create_program(attendance_threshold=threshold)

    assert list(exc.value.message_dict) == ["attendance_threshold"]
    assert not Program.objects.exists()


@pytest.mark.parametrize("threshold", [1, 100])
def test_the_attendance_threshold_may_be_1_or_100(create_program, threshold):
    assert create_program(attendance_threshold=threshold).attendance_threshold == threshold


def test_the_organizer_updates_the_threshold_and_follow_ups(program, staff):
    services.program_update(actor=staff, program=program, attendance_threshold=75, follow_up_offsets=[60, 30])

    program = _fresh(program)
    assert (program.attendance_threshold, program.follow_up_offsets) == (75, [30, 60])
    assert AuditEvent.objects.filter(action="programs.program.updated").count() == 1


def test_an_update_with_bad_follow_up_offsets_is_refused_and_nothing_changes(program, staff):
    with pytest.raises(ValidationError) as exc:
        services.program_update(actor=staff, program=program, attendance_threshold=75, follow_up_offsets=[0])

    assert list(exc.value.message_dict) == ["follow_up_offsets"]
    program = _fresh(program)
    assert (program.attendance_threshold, program.follow_up_offsets) == (80, [30, 90, 180])


def test_staff_of_another_office_may_see_but_not_update_a_program(program, outsider):
    with pytest.raises(PermissionDenied):
        services.program_update(actor=outsider, program=program, attendance_threshold=75)

    assert _fresh(program).attendance_threshold == 80


# Batches


@pytest.fixture
def create_batch(staff, program):
    """batch_create with valid details (five days from two weeks on); a test overrides one thing."""

    def create(actor=staff, **overrides):
        starts_on = days_from_today(14)
        details = {"number": 1, "starts_on": starts_on, "ends_on": starts_on + 4 * DAY, "venue": "Balai Kelurahan"}
        return services.batch_create(actor=actor, program=program, **{**details, **overrides})

    return create


def test_a_new_batch_is_planned_empty_and_has_thirty_places(create_batch):
    batch = create_batch()

    assert (batch.status, batch.capacity, batch.enrolled_count) == (B.PLANNED, 30, 0)
    assert AuditEvent.objects.filter(action="programs.batch.created", target_id=str(batch.pk)).exists()


def test_a_one_day_batch_is_fine(create_batch):
    day = days_from_today(14)

    assert create_batch(starts_on=day, ends_on=day).ends_on == day


def test_a_batch_that_ends_before_it_starts_is_refused(create_batch):
    day = days_from_today(14)

    with pytest.raises(ValidationError) as exc:
        create_batch(starts_on=day, ends_on=day - DAY)

    assert list(exc.value.message_dict) == ["ends_on"]
    assert not Batch.objects.exists()


def test_a_program_cannot_have_two_batches_with_one_number(create_batch):
    create_batch(number=2)

    with pytest.raises(ValidationError) as exc:
        create_batch(number=2)

    assert list(exc.value.message_dict) == ["number"]
    assert Batch.objects.count() == 1


def test_staff_of_another_office_may_not_add_a_batch_to_the_program(create_batch, outsider):
    with pytest.raises(PermissionDenied):
        create_batch(actor=outsider)

    assert not Batch.objects.exists()


def test_the_capacity_may_go_down_to_the_number_enrolled_but_not_below(batch, staff):
    EnrollmentFactory.create_batch(2, actor=staff, batch=batch)

    with pytest.raises(ValidationError) as exc:
        services.batch_update(actor=staff, batch=batch, capacity=1)
    assert list(exc.value.message_dict) == ["capacity"]
    assert _fresh(batch).capacity == 30

    assert services.batch_update(actor=staff, batch=batch, capacity=2).capacity == 2


@pytest.mark.parametrize("status", [B.FINISHED, B.CANCELLED])
def test_a_finished_or_cancelled_batch_cannot_be_changed(program, staff, status):
    batch = BatchFactory(program=program, status=status)

    with pytest.raises(ValidationError) as exc:
        services.batch_update(actor=staff, batch=batch, venue="Aula Dinsos")

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(batch).venue == "Balai Rehabilitasi Sosial"


def test_new_dates_move_the_enrollments_dates_with_the_batch(batch, staff):
    SessionFactory(batch=batch, date=batch.starts_on + DAY)
    enrollment = EnrollmentFactory(actor=staff, batch=batch)

    services.batch_update(actor=staff, batch=batch, starts_on=batch.starts_on + DAY, ends_on=batch.ends_on + DAY)

    enrollment = _fresh(enrollment)
    assert (enrollment.starts_on, enrollment.ends_on) == (batch.starts_on + DAY, batch.ends_on + DAY)


def test_new_dates_mark_the_enrollments_as_updated_for_sync_clients(batch, staff):
    # given an enrollment a field app has already synced
    enrollment = EnrollmentFactory(actor=staff, batch=batch)
    synced_at = _fresh(enrollment).updated_at

    # when the batch moves by a day
    services.batch_update(actor=staff, batch=batch, starts_on=batch.starts_on + DAY, ends_on=batch.ends_on + DAY)

    # then it comes again to a client paging the roster by (updated_at, id)
    assert _fresh(enrollment).updated_at > synced_at


@pytest.mark.parametrize("move", ["start later", "end earlier"])
def test_new_dates_that_leave_a_session_outside_the_batch_are_refused(batch, staff, move):
    SessionFactory(batch=batch, date=batch.starts_on)
    SessionFactory(batch=batch, date=batch.ends_on)
    changes = {"start later": {"starts_on": batch.starts_on + DAY}, "end earlier": {"ends_on": batch.ends_on - DAY}}

    with pytest.raises(ValidationError) as exc:
        services.batch_update(actor=staff, batch=batch, **changes[move])

    assert list(exc.value.message_dict) == list(changes[move])
    assert (_fresh(batch).starts_on, _fresh(batch).ends_on) == (batch.starts_on, batch.ends_on)


def test_new_dates_that_overlap_another_batch_of_an_enrolled_case_are_refused(batch, staff):
    enrollment = EnrollmentFactory(actor=staff, batch=batch)
    later = BatchFactory(program=batch.program, starts_on=batch.ends_on + DAY)
    EnrollmentFactory(actor=staff, batch=later, case=enrollment.case)

    with pytest.raises(ValidationError) as exc:
        services.batch_update(actor=staff, batch=batch, ends_on=batch.ends_on + DAY)

    assert list(exc.value.message_dict) == ["ends_on"]
    assert _fresh(batch).ends_on == batch.ends_on
    assert _fresh(enrollment).ends_on == batch.ends_on


# Status


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (B.PLANNED, B.OPEN),
        (B.PLANNED, B.RUNNING),
        (B.OPEN, B.RUNNING),
        (B.PLANNED, B.CANCELLED),
        (B.OPEN, B.CANCELLED),
        (B.RUNNING, B.CANCELLED),
    ],
)
def test_a_batch_opens_starts_and_is_cancelled(program, staff, old, new):
    batch = BatchFactory(program=program, status=old)

    services.batch_set_status(actor=staff, batch=batch, status=new)

    assert _fresh(batch).status == new
    event = AuditEvent.objects.get(action="programs.batch.status_changed")
    assert event.data == {"from": old, "to": new}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (B.OPEN, B.PLANNED),
        (B.RUNNING, B.OPEN),
        (B.RUNNING, B.PLANNED),
        (B.CANCELLED, B.OPEN),
        (B.CANCELLED, B.RUNNING),
        (B.FINISHED, B.RUNNING),
        (B.FINISHED, B.CANCELLED),
        (B.RUNNING, B.FINISHED),  # only batch_complete finishes a batch
        (B.OPEN, B.OPEN),
    ],
)
def test_a_batch_does_not_go_back_nor_leave_finished_or_cancelled(program, staff, old, new):
    batch = BatchFactory(program=program, status=old)

    with pytest.raises(ValidationError) as exc:
        services.batch_set_status(actor=staff, batch=batch, status=new)

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(batch).status == old
    assert not AuditEvent.objects.filter(action="programs.batch.status_changed").exists()


def test_staff_of_another_office_may_not_open_the_batch(batch, outsider):
    with pytest.raises(PermissionDenied):
        services.batch_set_status(actor=outsider, batch=batch, status=B.RUNNING)

    assert _fresh(batch).status == B.OPEN


def test_cancelling_a_batch_withdraws_everyone_and_frees_every_place(program, staff):
    batch = BatchFactory(program=program, capacity=2)
    enrollments = EnrollmentFactory.create_batch(3, actor=staff, batch=batch)
    assert [e.status for e in enrollments] == ["enrolled", "enrolled", "waitlisted"]

    services.batch_set_status(actor=staff, batch=batch, status=B.CANCELLED)

    assert set(Enrollment.objects.filter(batch=batch).values_list("status", flat=True)) == {"withdrawn"}
    assert _fresh(batch).enrolled_count == 0


# Sessions


@pytest.fixture
def create_session(staff, batch):
    """session_create on the batch's first day; a test overrides one thing."""

    def create(actor=staff, on_batch=batch, **overrides):
        details = {
            "date": on_batch.starts_on,
            "topic": Session.Topic.COOKING_BAKING,
            "delivering_agency": on_batch.program.organizer,
        }
        return services.session_create(actor=actor, batch=on_batch, **{**details, **overrides})

    return create


@pytest.mark.parametrize("day", [0, 4])
def test_a_session_is_held_on_a_day_of_the_batch_by_a_partner_agency(create_session, batch, polres, day):
    session = create_session(
        date=batch.starts_on + day * DAY, topic=Session.Topic.PUBLIC_ORDER, delivering_agency=polres
    )

    assert (session.batch, session.delivering_agency) == (batch, polres)
    assert AuditEvent.objects.filter(action="programs.session.created").count() == 1


@pytest.mark.parametrize("day", [-1, 5])
def test_a_session_outside_the_batch_dates_is_refused(create_session, batch, day):
    with pytest.raises(ValidationError) as exc:
        create_session(date=batch.starts_on + day * DAY)

    assert list(exc.value.message_dict) == ["date"]
    assert not Session.objects.exists()


def test_the_refusal_of_a_session_outside_the_batch_names_the_batch_dates_as_people_write_them(create_session, batch):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        create_session(date=batch.ends_on + DAY)

    with translation.override("en"):
        start, end = date_format(batch.starts_on), date_format(batch.ends_on)
        assert exc.value.message_dict["date"] == [refusals.SESSION_OUTSIDE_BATCH % {"start": start, "end": end}]
    assert batch.starts_on.isoformat() not in start


def test_the_refusal_of_a_status_change_names_the_statuses_in_words(program, staff):
    batch = BatchFactory(program=program, status=B.FINISHED)

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.batch_set_status(actor=staff, batch=batch, status=B.OPEN)

    with translation.override("en"):
        expected = refusals.BATCH_MOVE % {"old": B.FINISHED.label, "new": B.OPEN.label}
        assert exc.value.message_dict["status"] == [expected]


@pytest.mark.parametrize("status", [B.CANCELLED, B.FINISHED])
def test_a_cancelled_or_finished_batch_gets_no_new_sessions(create_session, program, status):
    batch = BatchFactory(program=program, status=status)

    with pytest.raises(ValidationError) as exc:
        create_session(on_batch=batch)

    assert list(exc.value.message_dict) == ["batch"]
    assert not Session.objects.exists()


def test_staff_of_another_office_may_not_add_a_session(create_session, outsider):
    with pytest.raises(PermissionDenied):
        create_session(actor=outsider)

    assert not Session.objects.exists()
