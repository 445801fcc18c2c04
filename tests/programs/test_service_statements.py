"""What each programs service costs in SQL statements, pinned: the count is fixed by the service, not by how many
cases the office holds (issue 15). A change check that scanned the office's caseload would still be one statement,
so the checks' shape is held by tests/agencies/test_access_following_rows.py; these pins catch a check or a lookup
added twice, or one per row."""

import pytest
from django.utils import timezone

from cases.models import Case
from programs import services
from programs.models import Batch, Enrollment
from tests.cases.factories import CaseFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today
from tests.statements import savepoints_apart, statements

pytestmark = pytest.mark.django_db

# The statements of each call, including its SAVEPOINTs and the audit row.
ENROLL = 13 + savepoints_apart(2)  # 59 before issue 15, 18 before the compiled saves
ATTENDANCE = 10  # 14 before
COMPLETE = 15


@pytest.fixture
def batch(semarang):
    return BatchFactory(program=ProgramFactory(organizer=semarang), capacity=100)


def test_enrolling_a_case_takes_at_most_N_statements_whatever_the_office_caseload(staff, semarang, batch, caseload):
    for case in caseload[:3]:
        services.enrollment_create(actor=staff, batch=batch, case=case)
    case = CaseFactory(owner=semarang, stage=Case.Stage.PLANNED)

    spent = statements(lambda: services.enrollment_create(actor=staff, batch=batch, case=case))

    assert spent <= ENROLL


def test_recording_a_sessions_attendance_takes_the_same_statements_for_one_person_or_ten(staff, semarang):
    batch = BatchFactory(program=ProgramFactory(organizer=semarang), starts_on=days_from_today(-3), capacity=20)
    session = SessionFactory(batch=batch, date=timezone.localdate())
    enrolled = [
        services.enrollment_create(actor=staff, batch=batch, case=CaseFactory(owner=semarang, stage="planned"))
        for _ in range(10)
    ]

    services.attendance_record(actor=staff, session=session, present={enrolled[0].pk: False})  # first: warm-up
    one = statements(lambda: services.attendance_record(actor=staff, session=session, present={enrolled[0].pk: True}))
    ten = statements(
        lambda: services.attendance_record(actor=staff, session=session, present={e.pk: True for e in enrolled})
    )

    assert one == ten <= ATTENDANCE


def test_completing_a_batch_takes_the_same_statements_for_two_people_or_ten(staff, semarang):
    def ran(people: int) -> Batch:
        batch = BatchFactory(program=ProgramFactory(organizer=semarang), starts_on=days_from_today(-10), capacity=20)
        session = SessionFactory(batch=batch, date=batch.starts_on)
        enrolled = [
            services.enrollment_create(actor=staff, batch=batch, case=CaseFactory(owner=semarang, stage="planned"))
            for _ in range(people)
        ]
        services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
        services.attendance_record(actor=staff, session=session, present={e.pk: True for e in enrolled})
        return batch

    two, ten = ran(2), ran(10)

    spent = [statements(lambda b=b: services.batch_complete(actor=staff, batch=b)) for b in (two, ten)]

    assert spent[0] == spent[1] <= COMPLETE
    assert Enrollment.objects.filter(batch=ten, status=Enrollment.Status.COMPLETED).count() == 10
