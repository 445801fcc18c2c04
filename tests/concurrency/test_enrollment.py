"""Enrollments at the same moment (issue 4, "Done when"): a batch is never over capacity, a case is never in one
batch twice nor in two batches whose dates overlap, whatever arrives together."""

import datetime
from collections import Counter
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case
from programs import services
from programs.models import Enrollment
from tests.cases.factories import CaseFactory
from tests.concurrency.threads import at_once
from tests.programs.factories import BatchFactory, ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

E = Enrollment.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan menjahit")


def _planned_cases(owner, count: int) -> list[Case]:
    return [CaseFactory(owner=owner, stage=Case.Stage.PLANNED) for _ in range(count)]


def _refusals(outcomes) -> list[dict]:
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ValidationError)]
    assert unexpected == []
    return [o.message_dict for o in outcomes if isinstance(o, ValidationError)]


def test_fifty_cases_at_once_into_thirty_places_are_thirty_enrolled_and_twenty_waiting_every_time(
    staff, semarang, program
):
    for number in (1, 2, 3):
        batch = BatchFactory(program=program, number=number, capacity=30)
        cases = _planned_cases(semarang, 50)

        outcomes = at_once([partial(services.enrollment_create, actor=staff, batch=batch, case=c) for c in cases])

        assert _refusals(outcomes) == []
        assert Counter(o.status for o in outcomes) == {E.ENROLLED: 30, E.WAITLISTED: 20}
        batch.refresh_from_db()
        assert batch.enrolled_count == 30
        in_order = list(Enrollment.objects.filter(batch=batch).order_by("created_at", "id"))
        assert [e.status for e in in_order] == [E.ENROLLED] * 30 + [E.WAITLISTED] * 20  # first come, first served
        entered = Case.objects.filter(pk__in=[c.pk for c in cases], stage=Case.Stage.IN_INTERVENTION)
        assert set(entered) == {e.case for e in in_order[:30]}


def test_one_case_enrolled_into_one_batch_by_several_requests_at_once_is_enrolled_once(staff, semarang, program):
    batch = BatchFactory(program=program, capacity=30)
    (case,) = _planned_cases(semarang, 1)

    outcomes = at_once([partial(services.enrollment_create, actor=staff, batch=batch, case=case)] * 5)

    assert [list(refusal) for refusal in _refusals(outcomes)] == [["case"]] * 4
    assert Enrollment.objects.filter(batch=batch, case=case).count() == 1
    batch.refresh_from_db()
    assert batch.enrolled_count == 1


def test_one_case_enrolled_into_two_overlapping_batches_at_once_is_in_one_of_them(staff, semarang, program):
    for number in (1, 3, 5):
        first = BatchFactory(program=program, number=number)
        second = BatchFactory(program=program, number=number + 1, starts_on=first.starts_on + 2 * DAY)
        (case,) = _planned_cases(semarang, 1)

        outcomes = at_once(
            [partial(services.enrollment_create, actor=staff, batch=batch, case=case) for batch in (first, second)]
        )

        assert [list(refusal) for refusal in _refusals(outcomes)] == [["case"]]
        (enrollment,) = Enrollment.objects.filter(case=case)
        assert enrollment.status == E.ENROLLED
        assert enrollment in outcomes


def test_the_database_itself_refuses_overlapping_enrollments_of_one_case(semarang, program):
    first = BatchFactory(program=program, number=1)
    second = BatchFactory(program=program, number=2, starts_on=first.ends_on)
    (case,) = _planned_cases(semarang, 1)
    Enrollment.objects.create(
        batch=first, case=case, status=E.ENROLLED, starts_on=first.starts_on, ends_on=first.ends_on
    )

    # Around the services, as a concurrent writer that skipped their checks would: the exclusion constraint holds.
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            batch=second, case=case, status=E.WAITLISTED, starts_on=second.starts_on, ends_on=second.ends_on
        )

    assert Enrollment.objects.filter(case=case).count() == 1
