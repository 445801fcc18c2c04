"""What the cases services people use most cost in SQL statements, pinned, whatever the office's caseload (issue 15):
a stage move, a referral and a note. The shape of the change check itself is held by
tests/agencies/test_access_following_rows.py."""

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, Referral
from tests.cases.factories import CaseFactory, ConsentFactory, NgoFactory
from tests.statements import savepoints_apart, statements

pytestmark = pytest.mark.django_db

MOVE = 8 + savepoints_apart(1)  # 30 before issue 15, 10 before the compiled saves
REFER = 10 + savepoints_apart(1)  # 30 before, 11 before the compiled saves; +1 whether her processing is restricted
NOTE = 6 + savepoints_apart(1)  # 8 before the write carried its own savepoint


@pytest.fixture
def warm_up_case(semarang):
    return CaseFactory(owner=semarang, stage=Case.Stage.PLANNED)


def test_moving_a_case_one_stage_takes_at_most_N_statements_whatever_the_office_caseload(staff, caseload, warm_up_case):
    case = caseload[-1]
    services.case_transition(actor=staff, case=warm_up_case, to=Case.Stage.IN_INTERVENTION)  # warm-up

    spent = statements(lambda: services.case_transition(actor=staff, case=case, to=Case.Stage.IN_INTERVENTION))

    assert spent <= MOVE


def test_referring_a_case_takes_at_most_N_statements_whatever_the_office_caseload(staff, caseload, warm_up_case):
    receiver = NgoFactory()
    for case in [*caseload, warm_up_case]:
        ConsentFactory(person=case.person, agency=receiver, given_on=timezone.localdate())
    refer = lambda case: services.referral_create(  # noqa: E731
        actor=staff, case=case, to_agency=receiver, kind=Referral.Kind.NGO_MENTORING, reason="Pendampingan usaha"
    )
    refer(warm_up_case)  # warm-up

    spent = statements(lambda: refer(caseload[-1]))

    assert spent <= REFER


def test_adding_a_note_takes_at_most_N_statements_whatever_the_office_caseload(staff, caseload, warm_up_case):
    services.case_note_add(actor=staff, case=warm_up_case, body="Kunjungan rumah")  # warm-up

    spent = statements(lambda: services.case_note_add(actor=staff, case=caseload[-1], body="Kunjungan rumah"))

    assert spent <= NOTE
