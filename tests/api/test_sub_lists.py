"""A case's notes, consents and assessments (issue 13, item 11): plain arrays of that case's rows, with no pages and
no filters, and the schema documents them so (it described a page of the case list, with the case list's filters,
and generated clients failed to read the array)."""

import pytest

SUB_LISTS = ["notes", "consents", "assessments"]
CASE_LIST_PARAMETERS = {"cursor", "page_size", "stage", "owner", "caseworker", "updated_since"}


@pytest.fixture
def schema(staff_api) -> dict:
    return staff_api.get("/api/v1/schema/", {"format": "json"}).json()


@pytest.mark.parametrize("sub_list", SUB_LISTS)
def test_a_sub_list_is_documented_as_the_plain_array_it_returns(world, lentera_api, schema, sub_list):
    documented = schema["paths"][f"/api/v1/cases/{{id}}/{sub_list}/"]["get"]["responses"]["200"]
    answer = lentera_api.get(f"/api/v1/cases/{world.own_case.pk}/{sub_list}/")

    assert documented["content"]["application/json"]["schema"]["type"] == "array"
    assert isinstance(answer.json(), list)


@pytest.mark.parametrize("sub_list", SUB_LISTS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_sub_list_documents_none_of_the_case_lists_query_parameters(schema, sub_list, method):
    operation = schema["paths"][f"/api/v1/cases/{{id}}/{sub_list}/"][method]

    assert {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"} & CASE_LIST_PARAMETERS == set()


@pytest.mark.parametrize("sub_list", SUB_LISTS)
def test_adding_to_a_sub_list_is_documented_as_201_with_the_one_row_added(schema, sub_list):
    responses = schema["paths"][f"/api/v1/cases/{{id}}/{sub_list}/"]["post"]["responses"]

    assert "200" not in responses
    assert "$ref" in responses["201"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("sub_list", SUB_LISTS)
def test_a_sub_list_ignores_the_case_lists_filters_and_pages(world, lentera_api, sub_list):
    url = f"/api/v1/cases/{world.own_case.pk}/{sub_list}/"

    assert lentera_api.get(url, {"stage": "closed", "page_size": 1}).json() == lentera_api.get(url).json()
