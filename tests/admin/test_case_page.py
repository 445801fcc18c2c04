"""The case page costs the same queries for a case with one note as for a case with many, and what the page shows
of its rows is read with the rows (no query per row)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case
from tests.cases.factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db


def _page_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert response.status_code == 200
    return len(captured)


def _history(staff, case, times: int) -> None:
    for n in range(times):
        services.case_note_add(actor=staff, case=case, body=f"Kunjungan {n}")
        services.assessment_record(actor=staff, case=case, assessed_on=datetime.date(2026, 11, 1), needs="modal")
        ConsentFactory(person=case.person)


def test_a_case_with_one_note_and_a_case_with_ten_cost_the_same_queries(signed_in, banyuwangi, banyuwangi_staff):
    client = signed_in(banyuwangi_staff)
    quiet, busy = CaseFactory(owner=banyuwangi), CaseFactory(owner=banyuwangi)
    _history(banyuwangi_staff, quiet, 1)
    _history(banyuwangi_staff, busy, 10)
    services.case_transition(actor=banyuwangi_staff, case=busy, to=Case.Stage.PLANNED)
    _page_queries(client, quiet)  # the first page of a process also looks up what it keeps (content types)

    assert _page_queries(client, busy) == _page_queries(client, quiet)


def test_the_case_page_does_not_ask_again_whether_the_reader_sees_the_case(signed_in, banyuwangi, banyuwangi_staff):
    client = signed_in(banyuwangi_staff)
    case = CaseFactory(owner=banyuwangi)

    with CaptureQueriesContext(connection) as captured:
        client.get(f"/admin/cases/case/{case.pk}/change/")

    # The case is read from the reader's visible cases once; only "may they change it" is asked apart.
    asked = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT 1 AS "a" FROM "cases_case"')]
    assert len(asked) == 1
