"""Listing for sync (issue 6 §3): cursor pages in (updated_at, id) order a field app can follow to the end without
missing or repeating a row, `updated_since` for incremental sync, a fixed number of SQL queries per page whatever
its size or depth, and one access-log row per read (DESIGN §6).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AuditEvent
from cases import services as case_services
from cases.models import Case
from config.urls import router
from programs.models import Enrollment, FollowUp
from tests.programs.factories import days_from_today

from .helpers import make_cases, read_and_log, statement_sql

# Issue 6: "each list endpoint uses the same number of queries (at most 4, auth and the access log included)".
MAX_QUERIES = 4


def follow(client, url: str, params: dict) -> list[list[dict]]:
    """Every page of a list, by its `next` links."""
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        pages.append(response.json()["results"])
        if not response.json()["next"]:
            return pages
        response = client.get(response.json()["next"])


def sync_order(rows) -> list[int]:
    return [row.pk for row in sorted(rows, key=lambda row: (row.updated_at, row.pk))]


@pytest.fixture
def lentera_cases(world) -> list[Case]:
    """250 cases Lentera registered, 60 of them changed in the same instant (as a bulk update leaves them)."""
    cases = make_cases(world.semarang, world.lentera, 250)
    same_instant = timezone.now() - datetime.timedelta(hours=1)
    Case.objects.filter(pk__in=[case.pk for case in cases[100:160]]).update(updated_at=same_instant)
    make_cases(world.purbalingga, world.purbalingga, 30)  # out of Lentera's scope: never in its pages
    return cases


@pytest.fixture
def roster(world, lentera_cases) -> list[Enrollment]:
    """The 250 cases on the roster of Semarang's open batch, each with a follow-up, written as a batch
    completion writes them (one instant for the whole roster)."""
    batch = world.open_batch
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            batch=batch,
            case=case,
            status=Enrollment.Status.ENROLLED,
            starts_on=batch.starts_on,
            ends_on=batch.ends_on,
        )
        for case in lentera_cases
    )
    FollowUp.objects.bulk_create(
        FollowUp(case=e.case, enrollment=e, offset_days=30, due_on=days_from_today(40)) for e in enrollments
    )
    Enrollment.objects.filter(batch=batch).update(updated_at=timezone.now())
    return enrollments


# Cursor pages


@pytest.mark.parametrize("page_size", [7, 25, 200])
def test_following_next_links_yields_every_case_once_in_sync_order(world, lentera_api, lentera_cases, page_size):
    expected = sync_order(
        Case.objects.filter(registered_by=world.lentera) | Case.objects.filter(pk=world.referred_accepted.case_id)
    )

    pages = follow(lentera_api, "/api/v1/cases/", {"page_size": page_size})

    ids = [row["id"] for page in pages for row in page]
    assert ids == expected
    assert len(ids) == len(set(ids)) == 252
    assert all(len(page) == page_size for page in pages[:-1])


def test_a_roster_changed_in_one_instant_still_pages_without_gaps(world, lentera_api, roster):
    # 251 enrollments share most of one updated_at: the cursor must not lose or repeat any across pages.
    expected = sync_order(Enrollment.objects.filter(case__registered_by=world.lentera))

    pages = follow(lentera_api, "/api/v1/enrollments/", {"page_size": 20})

    ids = [row["id"] for page in pages for row in page]
    assert ids == expected
    assert len(set(ids)) == len(ids) == 251


def test_follow_ups_page_through_to_the_end(world, lentera_api, roster):
    expected = sync_order(FollowUp.objects.filter(case__registered_by=world.lentera))

    pages = follow(lentera_api, "/api/v1/follow-ups/", {"page_size": 30})

    assert [row["id"] for page in pages for row in page] == expected


def test_updated_since_returns_only_what_changed_after_the_last_sync(world, lentera_api, lentera_cases):
    follow(lentera_api, "/api/v1/cases/", {"page_size": 200})  # the full first sync
    last_sync = timezone.now()
    changed = lentera_cases[3], lentera_cases[200]
    for case in changed:
        case_services.case_transition(actor=world.staff, case=case, to=Case.Stage.ASSESSED)

    pages = follow(lentera_api, "/api/v1/cases/", {"updated_since": last_sync.isoformat(), "page_size": 1})

    assert [row["id"] for page in pages for row in page] == sync_order(changed)
    assert {row["stage"] for page in pages for row in page} == {Case.Stage.ASSESSED}


def test_updated_since_with_an_offset_postgresql_does_not_take_is_still_an_instant(world, lentera_api, lentera_cases):
    # given an offset beyond ±15:59 (valid ISO 8601, refused by PostgreSQL's timestamptz input)
    response = lentera_api.get("/api/v1/cases/", {"updated_since": "2000-01-01T00:00:00-20:25", "page_size": 200})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 200  # a full page: every case changed after that instant


def test_updated_since_never_widens_the_scope(world, lentera_api, lentera_cases):
    response = lentera_api.get("/api/v1/cases/", {"updated_since": "2000-01-01T00:00:00Z", "page_size": 200})

    owners = {row["owner"] for row in response.json()["results"]}
    assert owners == {world.semarang.pk}


def _since_pages(client, since: datetime.datetime) -> tuple[list[list[dict]], list[list[dict]]]:
    """Every page of a sync since `since`, by the `next` links, then back from the last page by the `previous` ones."""
    forward, response = [], client.get("/api/v1/cases/", {"updated_since": since.isoformat(), "page_size": 7})
    while True:
        forward.append(response.json()["results"])
        if not response.json()["next"]:
            break
        response = client.get(response.json()["next"])
    backward = []
    while response.json()["previous"]:
        response = client.get(response.json()["previous"])
        backward.append(response.json()["results"])
    return forward, backward


@pytest.mark.parametrize("prepared", [True, False])
def test_an_updated_since_sync_answers_the_same_pages_compiled_or_through_the_orm(
    world, lentera_api, lentera_cases, prepared, settings
):
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    since = timezone.now() - datetime.timedelta(minutes=30)  # after the 60 cases changed in one instant an hour ago
    Case.objects.filter(pk__in=[case.pk for case in lentera_cases[150:200]]).update(updated_at=since)  # on it

    settings.API_COMPILED_READS = True
    compiled = _since_pages(lentera_api, since)
    settings.API_COMPILED_READS = False
    through_the_orm = _since_pages(lentera_api, since)

    assert compiled == through_the_orm
    ids = [row["id"] for page in compiled[0] for row in page]
    visible = Case.objects.filter(registered_by=world.lentera) | Case.objects.filter(pk=world.referred_accepted.case_id)
    assert ids == sync_order(visible.filter(updated_at__gte=since))
    assert {case.pk for case in lentera_cases[150:200]} <= set(ids)  # changed on the instant itself: in
    assert not {case.pk for case in lentera_cases[100:150]} & set(ids)  # changed before it: out


@pytest.mark.parametrize("updated_since", ["last tuesday", "0001-01-01T00:00:00+05:00", "2026-02-30T00:00:00Z"])
def test_a_malformed_updated_since_is_the_same_400_compiled_or_through_the_orm(lentera_api, settings, updated_since):
    answers = []
    for compiled in (True, False):
        settings.API_COMPILED_READS = compiled
        response = lentera_api.get("/api/v1/cases/", {"updated_since": updated_since})
        answers.append((response.status_code, response.json()))

    assert answers[0] == answers[1]
    assert answers[0][0] == 400 and "updated_since" in answers[0][1]["errors"]


def test_filters_combine_with_the_scope(world, lentera_api, lentera_cases):
    case_services.case_transition(actor=world.staff, case=lentera_cases[0], to=Case.Stage.ASSESSED)

    response = lentera_api.get("/api/v1/cases/", {"stage": "assessed"})

    assert [row["id"] for row in response.json()["results"]] == [lentera_cases[0].pk]


SYNC_PAGED = {
    prefix: viewset.model
    for prefix, viewset, _basename in router.registry
    if prefix != "intake" and viewset.pagination_class.ordering == ("updated_at", "id")
}


# Issue 6 §3: cursor pages on (updated_at, id) "with a matching index", so no sync page sorts the whole scoped set.
@pytest.mark.parametrize("prefix", list(SYNC_PAGED))
def test_every_list_paged_for_sync_has_a_matching_index(prefix):
    model = SYNC_PAGED[prefix]

    assert ("updated_at", "id") in {tuple(index.fields) for index in model._meta.indexes}


@pytest.mark.parametrize("prepared", [True, False])
def test_without_prepared_statements_the_pages_are_the_same(world, lentera_api, lentera_cases, prepared, settings):
    # DATABASE_PREPARED_STATEMENTS=0 is for poolers that share server sessions (PgBouncer, transaction mode).
    settings.DATABASE_PREPARED_STATEMENTS = prepared

    pages = follow(lentera_api, "/api/v1/cases/", {"page_size": 50})
    with CaptureQueriesContext(connection) as captured:
        lentera_api.get("/api/v1/cases/")

    assert [row["id"] for page in pages for row in page] == sync_order(
        Case.objects.filter(registered_by=world.lentera) | Case.objects.filter(pk=world.referred_accepted.case_id)
    )
    executes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("EXECUTE", "PREPARE"))]
    assert bool(executes) == (prepared and connection.vendor == "postgresql")


# Query counts


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return [query["sql"] for query in captured.captured_queries]


def _deep_cursor(client, url: str, page_size: int, depth: int) -> str:
    next_url = f"{url}?page_size={page_size}"
    for _ in range(depth):
        next_url = client.get(next_url).json()["next"]
    return next_url


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/enrollments/", "/api/v1/follow-ups/"])
def test_every_page_costs_the_same_few_queries_whatever_its_size_or_depth(lentera_api, roster, url):
    # Warm up: a token's first call of the minute notes last_used_at (one UPDATE), the content types get cached.
    lentera_api.get(url)

    counts = {
        (page_size, depth): _queries(lentera_api, _deep_cursor(lentera_api, url, page_size, depth))
        for page_size, depth in ((10, 0), (10, 20), (100, 0), (100, 2))  # page 1 and a deep page of each size
    }

    assert len({len(queries) for queries in counts.values()}) == 1, {k: len(v) for k, v in counts.items()}
    queries = counts[(100, 2)]
    assert len(queries) <= MAX_QUERIES, queries
    reads = [read_and_log(statement_sql(sql))[0] for sql in queries]
    assert not any("COUNT(" in sql.upper() for sql in reads)


def test_a_case_page_is_token_lookup_and_one_statement_reading_the_page_and_logging_it(lentera_api, roster):
    lentera_api.get("/api/v1/cases/")
    before = AuditEvent.objects.filter(action="cases.case.read_by_api").count()

    queries = [statement_sql(sql) for sql in _queries(lentera_api, "/api/v1/cases/?page_size=100")]

    assert queries[0].startswith('SELECT "agencies_apiclient"')
    if connection.vendor == "postgresql":
        # The page, each person's target groups (an array) and the access-log row: one statement, one round trip.
        assert len(queries) == 2
        read, logged = read_and_log(queries[1])
        assert read.startswith('SELECT "cases_case"') and "cases_person_target_groups" in read
        assert logged.startswith('INSERT INTO "agencies_auditevent"')
    else:  # elsewhere the target groups and the log row are a query each
        assert len(queries) == 4
        assert queries[1].startswith('SELECT "cases_case"')
        assert queries[2].startswith('INSERT INTO "agencies_auditevent"')
        assert "cases_person_target_groups" in queries[3]
    assert AuditEvent.objects.filter(action="cases.case.read_by_api").count() == before + 1


def test_an_updated_since_page_is_token_lookup_and_one_statement_like_any_other_page(lentera_api, lentera_cases):
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    url = f"/api/v1/cases/?page_size=50&updated_since={since.replace('+', '%2B')}"
    lentera_api.get(url)
    deep = _deep_cursor(lentera_api, url.split("?")[0], 10, 3).replace(
        "?", f"?updated_since={since.replace('+', '%2B')}&"
    )

    for page in (url, deep):
        queries = [statement_sql(sql) for sql in _queries(lentera_api, page)]
        if connection.vendor == "postgresql":
            assert len(queries) == 2, queries  # the token, then the page read and logged in one statement
            read, logged = read_and_log(queries[1])
            assert '"cases_case"."updated_at" >=' in read and logged.startswith('INSERT INTO "agencies_auditevent"')


def test_the_first_call_of_a_minute_costs_one_more_query_to_note_the_token_use(world, as_token):
    client = as_token(world.lentera)

    first = _queries(client, "/api/v1/cases/")
    second = _queries(client, "/api/v1/cases/")

    noted = [sql for sql in first if sql.startswith('UPDATE "agencies_apiclient"')]
    assert len(noted) == 1
    assert not any(sql.startswith('UPDATE "agencies_apiclient"') for sql in second)
    assert len(first) == len(second) + 1
    assert len(second) <= MAX_QUERIES


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/regions/",
        "/api/v1/agencies/",
        "/api/v1/sites/",
        "/api/v1/referrals/",
        "/api/v1/programs/",
        "/api/v1/batches/",
        "/api/v1/sessions/",
        "/api/v1/entitlements/",
        "/api/v1/disbursements/",
    ],
)
def test_every_other_list_stays_within_the_query_budget(lentera_api, url):
    lentera_api.get(url)

    assert len(_queries(lentera_api, url)) <= MAX_QUERIES


# The access log


def _log(action: str):
    return AuditEvent.objects.filter(action=action)


def test_a_page_of_cases_is_one_access_log_row_not_one_per_case(world, lentera_api, lentera_cases):
    before = _log("cases.case.read_by_api").count()

    response = lentera_api.get("/api/v1/cases/", {"page_size": 100})

    assert len(response.json()["results"]) == 100
    assert _log("cases.case.read_by_api").count() == before + 1
    event = _log("cases.case.read_by_api").first()
    assert event.actor_api_client.agency == world.lentera
    assert event.actor_agency == world.lentera
    assert event.data == {"count": 100}


def test_every_read_of_the_case_list_is_logged_even_an_empty_page(world, lentera_api):
    before = _log("cases.case.read_by_api").count()

    lentera_api.get("/api/v1/cases/")
    lentera_api.get("/api/v1/cases/", {"stage": "aftercare"})

    assert _log("cases.case.read_by_api").count() == before + 2
    assert _log("cases.case.read_by_api").first().data == {"count": 0}


@pytest.mark.parametrize("prepared", [True, False])
def test_a_case_read_is_logged_against_the_case_and_its_owner(world, lentera_api, prepared, settings):
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    before = _log("cases.case.read_by_api").count()

    lentera_api.get(f"/api/v1/cases/{world.own_case.pk}/")

    assert _log("cases.case.read_by_api").count() == before + 1
    event = _log("cases.case.read_by_api").first()
    assert event.target_id == str(world.own_case.pk)
    assert event.agency == world.semarang
    assert event.actor_api_client.agency == event.actor_agency == world.lentera
    assert event.data == {}


@pytest.mark.parametrize("prepared", [True, False])
def test_the_last_page_logs_the_rows_it_shows(world, lentera_api, lentera_cases, prepared, settings):
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    pages = follow(lentera_api, "/api/v1/cases/", {"page_size": 40})

    assert 0 < len(pages[-1]) < 40  # a short last page: the statement fetched no row beyond it
    assert _log("cases.case.read_by_api").first().data == {"count": len(pages[-1])}
    assert [event.data["count"] for event in _log("cases.case.read_by_api")[: len(pages)]][::-1] == [
        len(page) for page in pages
    ]


def test_reading_a_cases_notes_is_logged_once(world, lentera_api):
    before = _log("cases.case.read_by_api").count()

    lentera_api.get(f"/api/v1/cases/{world.own_case.pk}/notes/")

    assert _log("cases.case.read_by_api").count() == before + 1


def test_a_refused_read_is_not_logged_as_a_read(world, lentera_api):
    before = _log("cases.case.read_by_api").count()

    lentera_api.get(f"/api/v1/cases/{world.other_case.pk}/")

    assert _log("cases.case.read_by_api").count() == before


def test_a_page_of_the_roster_is_one_access_log_row(world, lentera_api, roster):
    before = _log("programs.enrollment.read_by_api").count()

    lentera_api.get("/api/v1/enrollments/", {"page_size": 100})

    assert _log("programs.enrollment.read_by_api").count() == before + 1
