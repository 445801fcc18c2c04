"""List filters (issue 13, items 1 and 10): a filter on a related row is a plain id that never tells whether a row
exists outside the caller's scope, looks nothing up to check its value, and a malformed value of any filter (an id,
a yes/no, a choice) is a 400 naming the parameter instead of being ignored."""

import django_filters
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.api import filters
from agencies.models import Role

from .test_errors import problem

NOWHERE = 999_999_999


def _answer(response):
    return response.status_code, response.json()


@pytest.mark.parametrize("url", ["/api/v1/enrollments/", "/api/v1/follow-ups/", "/api/v1/entitlements/"])
def test_a_case_filter_answers_alike_for_another_districts_case_and_a_case_that_does_not_exist(world, lentera_api, url):
    outside = lentera_api.get(url, {"case": world.other_case.pk})
    missing = lentera_api.get(url, {"case": NOWHERE})

    assert _answer(outside) == _answer(missing)
    assert outside.status_code == 200
    assert outside.json()["results"] == []


@pytest.mark.parametrize("url", ["/api/v1/enrollments/", "/api/v1/follow-ups/", "/api/v1/entitlements/"])
def test_a_case_filter_still_finds_the_callers_own_rows(world, staff_api, url):
    response = staff_api.get(url, {"case": world.own_case.pk})

    assert response.status_code == 200
    assert {row["case"] for row in response.json()["results"]} == {world.own_case.pk}


def test_an_owner_filter_on_cases_answers_alike_for_another_office_and_an_office_that_does_not_exist(
    world, lentera_api
):
    outside = lentera_api.get("/api/v1/cases/", {"owner": world.purbalingga.pk})
    missing = lentera_api.get("/api/v1/cases/", {"owner": NOWHERE})

    assert _answer(outside) == _answer(missing)
    assert outside.json()["results"] == []


def test_a_caseworker_filter_on_cases_answers_alike_for_another_districts_user_and_nobody(world, lentera_api, member):
    stranger = member(Role.DISTRICT_STAFF, agency=world.purbalingga)

    outside = lentera_api.get("/api/v1/cases/", {"caseworker": stranger.pk})
    missing = lentera_api.get("/api/v1/cases/", {"caseworker": NOWHERE})

    assert _answer(outside) == _answer(missing)
    assert outside.json()["results"] == []


def test_a_caseworker_filter_on_follow_ups_answers_alike_for_another_districts_user_and_nobody(
    world, lentera_api, member
):
    stranger = member(Role.DISTRICT_STAFF, agency=world.purbalingga)

    outside = lentera_api.get("/api/v1/follow-ups/", {"caseworker": stranger.pk})
    missing = lentera_api.get("/api/v1/follow-ups/", {"caseworker": NOWHERE})

    assert _answer(outside) == _answer(missing)


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/referrals/", "to_agency"),
        ("/api/v1/sessions/", "delivering_agency"),
        ("/api/v1/enrollments/", "batch"),
        ("/api/v1/cases/", "registered_by"),
    ],
)
def test_every_related_filter_answers_alike_for_a_row_outside_scope_and_none(world, lentera_api, url, param):
    outside = {
        "to_agency": world.purbalingga.pk,
        "organizer": world.purbalingga.pk,
        "delivering_agency": world.purbalingga.pk,
        "program": world.other_enrollment.batch.program_id,
        "batch": world.other_enrollment.batch_id,
        "registered_by": world.purbalingga.pk,
        "site": world.site.pk + 1000,
    }[param]

    assert _answer(lentera_api.get(url, {param: outside})) == _answer(lentera_api.get(url, {param: NOWHERE}))


def test_an_id_beyond_the_databases_integers_matches_nothing(lentera_api):
    response = lentera_api.get("/api/v1/enrollments/", {"case": "9" * 500})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("url", ["/api/v1/enrollments/", "/api/v1/follow-ups/", "/api/v1/entitlements/"])
@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", " 7"])
def test_a_case_filter_that_is_not_a_whole_number_is_400_naming_case(lentera_api, url, value):
    assert "case" in problem(lentera_api.get(url, {"case": value}), 400)["errors"]


def test_a_related_filter_looks_nothing_up_among_rows_outside_scope(world, lentera_api):
    with CaptureQueriesContext(connection) as queries:
        lentera_api.get("/api/v1/enrollments/", {"case": world.other_case.pk})

    lookups = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and 'FROM "cases_case" WHERE' in q["sql"]]
    assert lookups == []


@pytest.mark.parametrize(
    ("url", "param"),
    [("/api/v1/sites/", "region"), ("/api/v1/agencies/", "region"), ("/api/v1/regions/", "parent")],
)
def test_a_region_filter_is_a_plain_code_an_unknown_one_matching_nothing(lentera_api, url, param):
    response = lentera_api.get(url, {param: "99.99"})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("url", "param"),
    [("/api/v1/sites/", "region"), ("/api/v1/agencies/", "region"), ("/api/v1/regions/", "parent")],
)
def test_a_region_filter_that_is_not_a_region_code_is_400_naming_it(lentera_api, url, param):
    assert param in problem(lentera_api.get(url, {param: "Semarang"}), 400)["errors"]


# Yes/no and choices: an unknown value is refused, never "no filter".


@pytest.mark.parametrize("value", ["maybe", "yes", "2", "t"])
def test_an_open_filter_that_is_neither_true_nor_false_is_400_naming_open(lentera_api, value):
    assert "open" in problem(lentera_api.get("/api/v1/follow-ups/", {"open": value}), 400)["errors"]


@pytest.mark.parametrize(
    ("value", "found"), [("true", True), ("1", True), ("TRUE", True), ("false", False), ("0", False)]
)
def test_an_open_filter_takes_true_or_false(world, staff_api, value, found):
    response = staff_api.get("/api/v1/follow-ups/", {"open": value})

    assert response.status_code == 200
    assert (world.follow_up.pk in {row["id"] for row in response.json()["results"]}) is found


def test_an_active_filter_on_agencies_that_is_not_a_yes_or_no_is_400_naming_it(lentera_api):
    assert "active" in problem(lentera_api.get("/api/v1/agencies/", {"active": "maybe"}), 400)["errors"]


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        ("/api/v1/referrals/", "status", "lost"),
        ("/api/v1/referrals/", "kind", "jail"),
        ("/api/v1/batches/", "status", "someday"),
        ("/api/v1/programs/", "kind", "party"),
        ("/api/v1/sites/", "kind", "mall"),
        ("/api/v1/entitlements/", "status", "rich"),
        ("/api/v1/disbursements/", "status", "lost"),
        ("/api/v1/agencies/", "kind", "bank"),
        ("/api/v1/regions/", "level", "planet"),
    ],
)
def test_an_unknown_choice_of_any_filter_is_400_naming_it(lentera_api, url, param, value):
    assert param in problem(lentera_api.get(url, {param: value}), 400)["errors"]


def test_a_fiscal_year_filter_with_a_fraction_is_400_not_rounded(world, staff_api):
    response = staff_api.get("/api/v1/programs/", {"fiscal_year": f"{world.program.fiscal_year}.5"})

    assert "fiscal_year" in problem(response, 400)["errors"]


# The schema says what the filters take.


def test_the_schema_documents_related_filters_as_integers_and_yes_no_filters_as_booleans(staff_api):
    paths = staff_api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]

    def parameter(path, name):
        (found,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
        return found["schema"]

    assert parameter("/api/v1/enrollments/", "case")["type"] == "integer"
    assert parameter("/api/v1/cases/", "caseworker")["type"] == "integer"
    assert parameter("/api/v1/follow-ups/", "open")["type"] == "boolean"
    assert parameter("/api/v1/sites/", "region")["type"] == "string"


# Every list of the router is built so.


LOOKING_UP = django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter


def _viewsets():
    from config.urls import router

    return [(prefix, viewset) for prefix, viewset, _basename in router.registry]


@pytest.mark.parametrize(("prefix", "viewset"), _viewsets(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_list_filter_looks_a_related_row_up_or_ignores_an_unknown_yes_or_no(prefix, viewset):
    # The filter set each list really runs, whether the view names one or lists `filterset_fields`.
    backends = viewset.filter_backends
    assert all(issubclass(backend, filters.FilterBackend) for backend in backends), backends
    view = viewset()
    filterset = backends[0]().get_filterset_class(view, viewset.model.objects.none()) if backends else None
    if filterset is None:
        return
    assert issubclass(filterset, filters.FilterSet)
    for name, filter_ in filterset.base_filters.items():
        assert not isinstance(filter_, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter), (
            name
        )
        if isinstance(filter_, django_filters.BooleanFilter):
            assert isinstance(filter_, filters.BooleanFilter), name
