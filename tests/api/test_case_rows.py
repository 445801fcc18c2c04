"""The case list and detail are served from plain rows (cases/api/case_rows.py) and paged by a keyset cursor
(agencies/api/pagination.py) for speed (issue 6, performance): the JSON must stay exactly what
CaseOutputSerializer declares, and the cursor must stay a cursor."""

import base64
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from agencies.api.renderers import OrjsonRenderer
from cases.api.serializers import CaseOutputSerializer
from cases.models import Case, TargetGroup
from tests.cases.factories import BWBLP, TUNA_SUSILA

from .helpers import PROBLEM, make_cases, read_and_log, statement_sql


@pytest.fixture
def full_case(world) -> Case:
    """Lentera's case with every optional field filled: NIK, phone, birth date, sites, caseworker, two groups."""
    case = world.own_case
    person = case.person
    person.nik, person.phone, person.known_as = "3374015506900002", "081234567890", "Mawar"
    person.birth_date, person.address = datetime.date(1990, 6, 15), "Jl. Argorejo 1\u2028RT 02"
    person.home_region_id, person.current_site = world.lentera.region_id, world.site
    person.save()
    person.target_groups.set(TargetGroup.objects.filter(code__in=[BWBLP, TUNA_SUSILA]))
    Case.objects.filter(pk=case.pk).update(caseworker=world.staff)
    return case


def _serialized(case: Case) -> dict:
    return CaseOutputSerializer(Case.objects.get(pk=case.pk)).data


def test_the_detail_is_exactly_what_the_case_serializer_says(lentera_api, full_case):
    response = lentera_api.get(f"/api/v1/cases/{full_case.pk}/")

    assert response.status_code == 200
    assert response.json() == _serialized(full_case)
    assert response.json()["person"]["nik"] == "3374**********02"
    assert response.json()["person"]["target_groups"] == [TUNA_SUSILA, BWBLP]


def test_every_row_of_a_page_is_exactly_what_the_case_serializer_says(world, lentera_api, full_case):
    make_cases(world.semarang, world.lentera, 3)

    rows = lentera_api.get("/api/v1/cases/").json()["results"]

    assert full_case.pk in [row["id"] for row in rows]
    assert rows == [_serialized(Case.objects.get(pk=row["id"])) for row in rows]


def test_times_are_in_the_current_time_zone_as_drf_writes_them(lentera_api, full_case):
    with timezone.override("UTC"):
        row = lentera_api.get(f"/api/v1/cases/{full_case.pk}/").json()
        assert row == _serialized(full_case)
    assert row["updated_at"].endswith("Z")


def test_the_renderer_writes_what_drfs_json_renderer_means():
    at = datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
    data = {"name": gettext_lazy("Not found."), "on": at.date(), "at": at, "line": "Jl. Mawar\u2028RT 2", 7: None}

    rendered = OrjsonRenderer().render(data)

    assert rendered == JSONRenderer().render(data)


def test_the_detail_still_carries_its_etag_and_logs_the_owner(world, lentera_api, full_case):
    response = lentera_api.get(f"/api/v1/cases/{full_case.pk}/")

    updated_at = Case.objects.get(pk=full_case.pk).updated_at
    assert response["ETag"] == f'"{full_case.pk}-{int(updated_at.timestamp() * 1_000_000)}"'


# The cursor


def _pages_back(client, url: str) -> list[list[int]]:
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["previous"]
    return pages


def test_previous_links_walk_back_over_the_same_pages(world, lentera_api):
    make_cases(world.semarang, world.lentera, 25)
    forward, url = [], "/api/v1/cases/?page_size=10"
    while url:
        body = lentera_api.get(url).json()
        forward.append([row["id"] for row in body["results"]])
        last_url, url = url, body["next"]

    backward = _pages_back(lentera_api, last_url)

    assert backward == forward[::-1]


def test_a_deep_page_is_a_row_comparison_not_an_offset(world, lentera_api):
    make_cases(world.semarang, world.lentera, 30)
    deep = lentera_api.get("/api/v1/cases/?page_size=10").json()["next"]

    with CaptureQueriesContext(connection) as captured:
        lentera_api.get(deep)

    ran = [statement_sql(q["sql"]) for q in captured.captured_queries]
    # On PostgreSQL the page's access-log row is written by the same statement: WITH page AS (…), logged AS (…)
    ran = [read_and_log(sql)[0] for sql in ran]
    (page,) = [sql for sql in ran if sql.startswith('SELECT "cases_case"')]
    assert "OFFSET" not in page and "COUNT(" not in page.upper()
    if connection.vendor == "postgresql":  # one range scan of the (updated_at, id) index; elsewhere the OR form
        assert '("cases_case"."updated_at", "cases_case"."id") >' in page


@pytest.mark.parametrize(
    "raw",
    ["p=2026-01-01T00:00:00%2B00:00", "i=5", "p=2026-01-01T00:00:00&i=5", "p=2026-01-01T00:00:00Z&i=-1"],
)
def test_a_cursor_the_api_did_not_give_is_a_400_problem_naming_the_cursor(lentera_api, raw):
    response = lentera_api.get("/api/v1/cases/", {"cursor": base64.b64encode(raw.encode()).decode()})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "cursor" in response.json()["errors"]


def test_staff_asking_the_api_for_html_get_406_and_no_case(world, staff_api):
    # Staff work in the admin; the browsable API's filter forms listed rows outside the caller's scope (issue 13).
    for url in ("/api/v1/cases/", f"/api/v1/cases/{world.own_case.pk}/", "/api/v1/cases/?format=api"):
        response = staff_api.get(url, HTTP_ACCEPT="text/html" if "format" not in url else "*/*")

        assert response.status_code == 406
        assert response["Content-Type"] == PROBLEM
        assert world.own_case.number not in response.content.decode()
