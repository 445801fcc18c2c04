"""Deciding about one row costs the same for an office of 100 cases or 1,000,000 (issue 15): a row that follows a
parent (an enrollment its case, a note its case) is decided by a correlated EXISTS on its parent's key, never by
listing the actor's whole scope of parents; and one row's "may see, may change" is one statement."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from agencies import access
from cases.models import Case, CaseNote
from programs.models import Batch, Enrollment
from tests.cases.factories import CaseFactory
from tests.programs.factories import BatchFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _sql(queryset) -> str:
    return str(queryset.query)


@pytest.mark.parametrize("model", [Enrollment, CaseNote], ids=lambda m: m.__name__)
def test_a_following_row_is_decided_by_its_parents_key_not_by_the_list_of_the_actors_cases(staff, model):
    decided = access.changeable_by(staff, model).filter(pk=1)

    sql = _sql(decided)

    assert f'= ("{model._meta.db_table}"."case_id")' in sql  # correlated: the parent row of this row
    assert '"case_id" IN (SELECT' not in sql  # not the semi-join PostgreSQL cannot plan under an OR


def test_may_see_and_may_change_one_row_is_one_statement(staff, semarang):
    case = CaseFactory(owner=semarang)
    access.require_change(staff, case)  # the grants and the compiled check are read once per request or call

    with CaptureQueriesContext(connection) as asked:
        access.require_change(staff, case)

    assert len(asked) <= 2  # the decision, and the grants when no request or service call holds them


def test_a_row_outside_the_scope_is_not_found_and_a_readable_one_is_refused(staff, outsider, province_staff, semarang):
    case = CaseFactory(owner=semarang)

    with pytest.raises(Http404):
        access.require_change(outsider, case)
    with pytest.raises(PermissionDenied):
        access.require_change(province_staff, case)
    access.require_change(staff, case)


def test_a_row_every_member_reads_is_seen_without_asking_the_database(staff, semarang):
    batch = BatchFactory(program=ProgramFactory(organizer=semarang))
    access.grants_of(staff)

    with CaptureQueriesContext(connection) as asked:
        access.require_see(staff, batch)

    assert access.condition(Batch, "see", access.grants_of(staff)) == access.EVERYTHING
    assert [q["sql"] for q in asked if "membership" not in q["sql"]] == []


def test_a_row_changed_with_its_parent_is_in_scope_when_the_parent_was_and_only_that_parent(staff, outsider, semarang):
    case, other = CaseFactory(owner=semarang), CaseFactory(owner=semarang)
    mine = Enrollment(pk=10**9, case=case, batch_id=1)

    access.require_within_scope(staff, mine, parent_changeable=case)  # no question: the rule says so
    with pytest.raises(PermissionDenied):  # another parent proves nothing: the database is asked, and says no
        access.require_within_scope(outsider, mine, parent_changeable=other)
    assert Case.objects.filter(pk=case.pk).exists()
