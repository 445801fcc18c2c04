"""Enrolling cases into batches (issue 4 §3): places, the waiting list, one batch at a time, the case's stage."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from agencies.models import AuditEvent
from cases.models import Case, StageChange
from programs import refusals, services
from programs.models import Batch, Enrollment
from tests.cases.factories import CaseFactory
from tests.programs.factories import BatchFactory, EnrollmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db

S = Case.Stage
E = Enrollment.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan menjahit")


@pytest.fixture
def batch(program):
    """An open batch with two places."""
    return BatchFactory(program=program, number=1, capacity=2)


@pytest.fixture
def planned_case(semarang):
    """Make a case of Semarang's office whose intervention plan is ready."""

    def make(**kwargs):
        return CaseFactory(**{"owner": semarang, "stage": S.PLANNED, **kwargs})

    return make


@pytest.fixture
def case(planned_case):
    return planned_case()


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _state(batch, case) -> dict:
    """What a refused enrollment must leave as it was: rows, places taken, the case's stage and history, audit."""
    return {
        "rows": Enrollment.objects.filter(batch=batch, case=case).count(),
        "enrolled_count": _fresh(batch).enrolled_count,
        "stage": _fresh(case).stage,
        "stage_changes": StageChange.objects.filter(case=case).count(),
        "audited": AuditEvent.objects.filter(action="programs.enrollment.created").count(),
    }


# Places and the waiting list


def test_cases_are_enrolled_while_places_are_left_and_then_wait_for_one(batch, staff, planned_case):
    statuses = [services.enrollment_create(actor=staff, batch=batch, case=planned_case()).status for _ in range(4)]

    assert statuses == [E.ENROLLED, E.ENROLLED, E.WAITLISTED, E.WAITLISTED]
    assert _fresh(batch).enrolled_count == 2
    assert AuditEvent.objects.filter(action="programs.enrollment.created").count() == 4


def test_an_enrollment_keeps_the_batch_dates_and_who_enrolled(batch, staff, case):
    enrollment = services.enrollment_create(actor=staff, batch=batch, case=case)

    assert (enrollment.starts_on, enrollment.ends_on) == (batch.starts_on, batch.ends_on)
    assert enrollment.enrolled_by == staff


def test_a_planned_case_enters_intervention_when_enrolled(batch, staff, case):
    services.enrollment_create(actor=staff, batch=batch, case=case)

    assert _fresh(case).stage == S.IN_INTERVENTION
    change = StageChange.objects.get(case=case, to_stage=S.IN_INTERVENTION)
    assert (change.from_stage, change.changed_by) == (S.PLANNED, staff)


def test_a_planned_case_on_the_waiting_list_stays_planned(batch, staff, case):
    EnrollmentFactory.create_batch(2, actor=staff, batch=batch)

    enrollment = services.enrollment_create(actor=staff, batch=batch, case=case)

    assert enrollment.status == E.WAITLISTED
    assert _fresh(case).stage == S.PLANNED


def test_a_case_in_aftercare_is_enrolled_without_moving_its_stage(batch, staff, planned_case):
    case = planned_case(stage=S.AFTERCARE)

    services.enrollment_create(actor=staff, batch=batch, case=case)

    assert _fresh(case).stage == S.AFTERCARE


def test_a_district_office_enrolls_its_case_into_another_offices_batch(batch, banyuwangi_staff, banyuwangi):
    case = CaseFactory(owner=banyuwangi, stage=S.PLANNED)

    enrollment = services.enrollment_create(actor=banyuwangi_staff, batch=batch, case=case)

    assert enrollment.status == E.ENROLLED
    assert _fresh(case).stage == S.IN_INTERVENTION


# Refusals: a clear error, nothing saved


def test_a_closed_case_cannot_be_enrolled(batch, staff, planned_case):
    case = planned_case(stage=S.CLOSED, close_reason=Case.CloseReason.DECLINED)
    before = _state(batch, case)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(actor=staff, batch=batch, case=case)

    assert list(exc.value.message_dict) == ["case"]
    assert _state(batch, case) == before


def test_a_case_of_another_district_is_not_found(batch, banyuwangi_staff, case):
    before = _state(batch, case)

    with pytest.raises(Http404):
        services.enrollment_create(actor=banyuwangi_staff, batch=batch, case=case)

    assert _state(batch, case) == before


@pytest.mark.parametrize("status", [Batch.Status.CANCELLED, Batch.Status.FINISHED, Batch.Status.RUNNING])
def test_a_batch_that_is_no_longer_open_takes_no_enrollments(program, staff, case, status):
    batch = BatchFactory(program=program, status=status)
    before = _state(batch, case)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(actor=staff, batch=batch, case=case)

    assert list(exc.value.message_dict) == ["batch"]
    assert _state(batch, case) == before


def test_a_planned_batch_already_takes_enrollments(program, staff, case):
    batch = BatchFactory(program=program, status=Batch.Status.PLANNED)

    assert services.enrollment_create(actor=staff, batch=batch, case=case).status == E.ENROLLED


@pytest.mark.parametrize("first", [E.ENROLLED, E.WAITLISTED])
def test_a_case_is_not_enrolled_twice_in_one_batch(batch, staff, case, first):
    if first == E.WAITLISTED:
        EnrollmentFactory.create_batch(2, actor=staff, batch=batch)
    assert services.enrollment_create(actor=staff, batch=batch, case=case).status == first
    before = _state(batch, case)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(actor=staff, batch=batch, case=case)

    assert list(exc.value.message_dict) == ["case"]
    assert _state(batch, case) == before


@pytest.fixture
def enrolled_in_batch_one(program, staff, case):
    """`case` is enrolled in batch 1 (five days from two weeks on); returns a maker of batch 2 of another program,
    starting `days` after batch 1 starts."""
    batch_one = BatchFactory(program=program, number=1)
    services.enrollment_create(actor=staff, batch=batch_one, case=case)

    def batch_two_starting(days: int) -> Batch:
        return BatchFactory(
            program=ProgramFactory(organizer=program.organizer), starts_on=batch_one.starts_on + days * DAY
        )

    return batch_two_starting


@pytest.mark.parametrize(
    "days",
    [
        -4,  # batch 2 ends on batch 1's first day
        2,  # starts in the middle of batch 1
        4,  # starts on batch 1's last day
    ],
)
def test_a_case_is_not_enrolled_in_two_batches_whose_dates_overlap(enrolled_in_batch_one, staff, case, days):
    batch_two = enrolled_in_batch_one(days)
    before = _state(batch_two, case)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(actor=staff, batch=batch_two, case=case)

    assert list(exc.value.message_dict) == ["case"]
    assert _state(batch_two, case) == before


@pytest.mark.parametrize(
    "days",
    [
        5,  # batch 2 starts the day after batch 1 ends
        -5,  # ends the day before batch 1 starts
    ],
)
def test_a_case_is_enrolled_in_batches_one_after_another(enrolled_in_batch_one, staff, case, days):
    batch_two = enrolled_in_batch_one(days)

    assert services.enrollment_create(actor=staff, batch=batch_two, case=case).status == E.ENROLLED
    assert Enrollment.objects.filter(case=case, status=E.ENROLLED).count() == 2


def test_the_overlap_refusal_names_the_other_batch(program, batch, staff, case):
    services.enrollment_create(actor=staff, batch=batch, case=case)
    batch_two = BatchFactory(program=program, number=2, starts_on=batch.ends_on)

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.enrollment_create(actor=staff, batch=batch_two, case=case)

    with translation.override("en"):
        assert exc.value.message_dict["case"] == [refusals.OVERLAPS_BATCH % {"batch": batch}]


def test_a_withdrawn_enrollment_does_not_hold_the_case(program, batch, staff, case):
    first = services.enrollment_create(actor=staff, batch=batch, case=case)
    same_days = BatchFactory(program=program, number=2, starts_on=batch.starts_on)

    services.enrollment_withdraw(actor=staff, enrollment=first)

    assert services.enrollment_create(actor=staff, batch=same_days, case=case).status == E.ENROLLED


def test_a_withdrawn_case_may_enroll_again_in_the_same_batch(batch, staff, case):
    first = services.enrollment_create(actor=staff, batch=batch, case=case)
    services.enrollment_withdraw(actor=staff, enrollment=first)

    again = services.enrollment_create(actor=staff, batch=batch, case=case)

    assert again.pk != first.pk and again.status == E.ENROLLED
    assert _fresh(batch).enrolled_count == 1
    assert list(Enrollment.objects.filter(case=case).order_by("pk").values_list("status", flat=True)) == [
        E.WITHDRAWN,
        E.ENROLLED,
    ]


# Withdrawing, and the waiting list moving up


def test_withdrawing_frees_the_place_for_the_longest_waiting_case_even_of_another_office(
    program, staff, planned_case, banyuwangi_staff, banyuwangi
):
    batch = BatchFactory(program=program, capacity=1)
    leaving = services.enrollment_create(actor=staff, batch=batch, case=planned_case())
    first_waiting = services.enrollment_create(
        actor=banyuwangi_staff, batch=batch, case=CaseFactory(owner=banyuwangi, stage=S.PLANNED)
    )
    next_waiting = services.enrollment_create(actor=staff, batch=batch, case=planned_case())

    services.enrollment_withdraw(actor=staff, enrollment=leaving)

    statuses = {e.pk: e.status for e in Enrollment.objects.filter(batch=batch)}
    assert statuses == {leaving.pk: E.WITHDRAWN, first_waiting.pk: E.ENROLLED, next_waiting.pk: E.WAITLISTED}
    assert _fresh(batch).enrolled_count == 1
    promoted_case = _fresh(first_waiting.case)
    assert promoted_case.stage == S.IN_INTERVENTION
    # Semarang's staff may not manage Banyuwangi's case: the move is the platform's, without an actor.
    change = StageChange.objects.get(case=promoted_case, to_stage=S.IN_INTERVENTION)
    assert change.changed_by is None
    assert AuditEvent.objects.filter(action="programs.enrollment.promoted", target_id=str(first_waiting.pk)).exists()


def test_withdrawing_from_the_waiting_list_promotes_nobody(program, staff, planned_case):
    batch = BatchFactory(program=program, capacity=1)
    enrolled = services.enrollment_create(actor=staff, batch=batch, case=planned_case())
    leaving = services.enrollment_create(actor=staff, batch=batch, case=planned_case())
    still_waiting = services.enrollment_create(actor=staff, batch=batch, case=planned_case())

    services.enrollment_withdraw(actor=staff, enrollment=leaving)

    statuses = {e.pk: e.status for e in Enrollment.objects.filter(batch=batch)}
    assert statuses == {enrolled.pk: E.ENROLLED, leaving.pk: E.WITHDRAWN, still_waiting.pk: E.WAITLISTED}
    assert _fresh(batch).enrolled_count == 1
    assert _fresh(still_waiting.case).stage == S.PLANNED
    assert not AuditEvent.objects.filter(action="programs.enrollment.promoted").exists()


def test_an_enrollment_cannot_be_withdrawn_twice(batch, staff, case):
    enrollment = services.enrollment_create(actor=staff, batch=batch, case=case)
    services.enrollment_withdraw(actor=staff, enrollment=enrollment)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_withdraw(actor=staff, enrollment=enrollment)

    assert list(exc.value.message_dict) == ["status"]
    assert _fresh(batch).enrolled_count == 0
    assert AuditEvent.objects.filter(action="programs.enrollment.withdrawn").count() == 1


def test_staff_of_another_office_cannot_withdraw_a_case_they_do_not_see(batch, staff, case, banyuwangi_staff):
    enrollment = services.enrollment_create(actor=staff, batch=batch, case=case)

    with pytest.raises(Http404):
        services.enrollment_withdraw(actor=banyuwangi_staff, enrollment=enrollment)

    assert _fresh(enrollment).status == E.ENROLLED
    assert _fresh(batch).enrolled_count == 1


def test_a_newcomer_does_not_take_a_place_ahead_of_the_waiting_list_after_the_capacity_is_raised(
    program, staff, planned_case
):
    batch = BatchFactory(program=program, capacity=1)
    services.enrollment_create(actor=staff, batch=batch, case=planned_case())
    waiting = services.enrollment_create(actor=staff, batch=batch, case=planned_case())
    services.batch_update(actor=staff, batch=batch, capacity=2)

    newcomer = services.enrollment_create(actor=staff, batch=batch, case=planned_case())

    assert newcomer.status == E.WAITLISTED
    assert _fresh(waiting).status == E.ENROLLED


def test_raising_the_capacity_moves_the_waiting_list_up_in_order(program, staff, planned_case):
    batch = BatchFactory(program=program, capacity=1)
    services.enrollment_create(actor=staff, batch=batch, case=planned_case())
    first, second, third = [services.enrollment_create(actor=staff, batch=batch, case=planned_case()) for _ in "123"]

    services.batch_update(actor=staff, batch=batch, capacity=3)

    assert [_fresh(e).status for e in (first, second, third)] == [E.ENROLLED, E.ENROLLED, E.WAITLISTED]
    assert _fresh(batch).enrolled_count == 3
    assert [_fresh(e.case).stage for e in (first, second, third)] == [S.IN_INTERVENTION, S.IN_INTERVENTION, S.PLANNED]
