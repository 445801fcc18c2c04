"""The auditors' trail at national scale: a page costs the same whatever the log holds, it is never counted, a case's
history and a user's doings are found on the log's indexes, and the log keeps only the indexes its queries use."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import audit
from agencies.admin import AuditEventAdmin
from agencies.models import AuditEvent, Role
from cases import services
from cases.models import Case
from tests.agencies.factories import ApiClientFactory, MembershipFactory, UserFactory
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

TRAIL = "/admin/agencies/auditevent/"


@pytest.fixture
def auditor_client(signed_in, banyuwangi):
    return signed_in(MembershipFactory(role=Role.AUDITOR, agency=banyuwangi).user)


def _events(office, count: int) -> None:
    """`count` events of several kinds, by people and by API clients (each client named with its agency)."""
    for n in range(count):
        case = CaseFactory(owner=office)
        if n % 3 == 0:
            audit.record_read(ApiClientFactory(agency=office), "cases.case.read_by_api", case, agency_id=office.pk)
        elif n % 3 == 1:
            audit.record(UserFactory(), "cases.case.viewed", case, agency=office)
        else:
            audit.record(UserFactory(), "cases.person.viewed", case.person, agency=office)


def _queries(client, data=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(TRAIL, data or {})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_page_of_3_events_and_a_page_of_30_cost_the_same_queries(auditor_client, banyuwangi):
    _events(banyuwangi, 3)
    _queries(auditor_client)  # the first page of a process also looks up what it keeps (content types)
    few = len(_queries(auditor_client))

    _events(banyuwangi, 27)

    assert len(_queries(auditor_client)) == few


def test_the_trail_is_never_counted_nor_split_by_its_dates(auditor_client, banyuwangi):
    _events(banyuwangi, 3)

    queries = _queries(auditor_client)

    assert not [sql for sql in queries if "COUNT(" in sql.upper() or "DISTINCT" in sql.upper()]


def test_the_trail_filters_by_fixed_date_ranges(auditor_client, banyuwangi):
    _events(banyuwangi, 2)

    response = auditor_client.get(TRAIL, {"created_at__gte": "2000-01-01 00:00:00+07:00"})

    assert "Hari ini" in response.content.decode()  # Django's fixed ranges: today, past 7 days, this month...
    assert len(response.context["cl"].result_list) == 2


def test_a_case_number_finds_the_events_about_the_case_its_person_and_its_rows(
    auditor_client, banyuwangi, banyuwangi_staff
):
    case, other = CaseFactory(owner=banyuwangi), CaseFactory(owner=banyuwangi)
    audit.record(banyuwangi_staff, "cases.case.viewed", case, agency=banyuwangi)
    audit.record(banyuwangi_staff, "cases.person.viewed", case.person, agency=banyuwangi)
    services.case_note_add(actor=banyuwangi_staff, case=case, body="Datang ke balai")
    audit.record(banyuwangi_staff, "cases.case.viewed", other, agency=banyuwangi)

    response = auditor_client.get(TRAIL, {"q": case.number})

    found = sorted(event.action for event in response.context["cl"].result_list)
    assert found == ["cases.case.viewed", "cases.case_note.added", "cases.person.viewed"]


def test_a_users_account_or_name_finds_what_they_did(auditor_client, banyuwangi):
    siti = UserFactory(username="siti.aminah", first_name="Siti", last_name="Aminah")
    case = CaseFactory(owner=banyuwangi)
    audit.record(siti, "cases.case.viewed", case, agency=banyuwangi)
    audit.record(UserFactory(), "cases.case.viewed", case, agency=banyuwangi)

    for term in ("siti.aminah", "SITI", "Aminah"):
        response = auditor_client.get(TRAIL, {"q": term})
        assert [event.actor_user for event in response.context["cl"].result_list] == [siti], term


def test_text_that_is_neither_a_case_nor_a_user_finds_nothing(auditor_client, banyuwangi):
    _events(banyuwangi, 2)

    response = auditor_client.get(TRAIL, {"q": "viewed"})

    assert list(response.context["cl"].result_list) == []
    assert "Tidak ada yang ditemukan" in response.content.decode()


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a log of a few rows would be read whole anyway
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_searches_read_the_logs_indexes(rf, banyuwangi, banyuwangi_staff):
    case = CaseFactory(owner=banyuwangi)
    services.case_note_add(actor=banyuwangi_staff, case=case, body="Datang ke balai")
    trail = AuditEventAdmin(AuditEvent, None)
    everything = AuditEvent.objects.order_by("-created_at", "-id")

    by_case, _ = trail.get_search_results(rf.get(TRAIL), everything, case.number)
    by_user, _ = trail.get_search_results(rf.get(TRAIL), everything, banyuwangi_staff.username)

    assert "auditevent_target" in _plan(by_case[:101])
    assert "auditevent_by_user" in _plan(by_user[:101])
    assert "auditevent_newest_first" in _plan(everything[:101])


def test_the_log_keeps_only_the_indexes_its_queries_use():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [AuditEvent._meta.db_table])
        indexes = {row[0] for row in cursor.fetchall()}

    # The key, the trail's newest-first list, a district auditor's offices, a case's history, a user's doings, an
    # action: each named by its query in AuditEvent.Meta. No index of its own for each reference.
    assert indexes == {
        "agencies_auditevent_pkey",
        "auditevent_newest_first",
        "auditevent_agency",
        "auditevent_target",
        "auditevent_by_user",
        "auditevent_action",
    }


def test_one_case_history_costs_the_same_queries_whatever_the_case_holds(auditor_client, banyuwangi, banyuwangi_staff):
    quiet, busy = CaseFactory(owner=banyuwangi), CaseFactory(owner=banyuwangi)
    services.case_note_add(actor=banyuwangi_staff, case=quiet, body="Datang")
    for _ in range(10):
        services.case_note_add(actor=banyuwangi_staff, case=busy, body="Datang")
        audit.record(banyuwangi_staff, "cases.case.viewed", busy, agency=banyuwangi)
    _queries(auditor_client, {"q": quiet.number})

    assert len(_queries(auditor_client, {"q": busy.number})) == len(_queries(auditor_client, {"q": quiet.number}))
    assert Case.objects.count() == 2
