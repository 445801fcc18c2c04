"""What the API refuses before any write runs, and how a keyed write and its stored reply commit together
(issue 13, items 7–10): nothing is written by a request whose reply cannot be produced or kept."""

import base64
import json

import pytest
from django.db import connection

from agencies.models import IdempotencyRecord
from cases.models import Case, Person

from .helpers import PROBLEM

INTAKE = {"full_name": "Sri Wahyuni", "sex": "F", "target_group": 10, "phone": "081234567890"}
KEY = "c0ffee00-intake-3"


def _post(client, url, body, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.generic("POST", url, raw, content_type="application/json", **headers)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    return response.json()


# Item 7: NUL and lone surrogates are refused up front, naming the field


@pytest.mark.parametrize("bad", ["Sri\\u0000Wahyuni", "Sri \\ud800 Wahyuni"], ids=["nul", "lone-surrogate"])
def test_a_nul_or_lone_surrogate_is_a_400_naming_the_field_and_nothing_is_saved(lentera_api, bad):
    people = Person.objects.count()
    body = json.dumps({**INTAKE, "full_name": "PLACEHOLDER"}).replace("PLACEHOLDER", bad).encode()

    response = _post(lentera_api, "/api/v1/intake/", body, HTTP_IDEMPOTENCY_KEY=KEY)

    assert list(_problem(response, 400)["errors"]) == ["full_name"]
    assert Person.objects.count() == people


def test_a_nul_in_a_field_name_is_a_400_and_its_key_stays_usable(lentera_api):
    people = Person.objects.count()
    body = json.dumps({**INTAKE, "PLACEHOLDER": "x"}).replace("PLACEHOLDER", "catatan\\u0000").encode()

    refused = _post(lentera_api, "/api/v1/intake/", body, HTTP_IDEMPOTENCY_KEY=KEY)
    corrected = _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY=KEY)

    assert list(_problem(refused, 400)["errors"]) == ["non_field_errors"]
    assert corrected.status_code == 201
    assert Person.objects.count() == people + 1


def test_a_nul_in_one_row_of_a_sheet_names_that_row_and_saves_no_row(lentera_api):
    cases = Case.objects.count()
    rows = [{**INTAKE, "external_id": f"r{n}", "full_name": f"Warga {n}"} for n in range(3)]
    body = json.dumps({"rows": rows}).replace("Warga 2", "Warga\\u00002").encode()

    response = _post(lentera_api, "/api/v1/intake/batch/", body, HTTP_IDEMPOTENCY_KEY=KEY)

    assert _problem(response, 400)["errors"]["rows"]["2"].keys() == {"full_name"}
    assert Case.objects.count() == cases


def test_a_nul_in_a_query_parameter_is_a_400_naming_it(lentera_api):
    response = lentera_api.get("/api/v1/cases/", {"stage": "planned\x00"})

    assert list(_problem(response, 400)["errors"]) == ["stage"]


def _refuse_replies(refuse: bool) -> None:
    """A real failure of the reply's INSERT, after the write's own statements ran: a trigger raises on it."""
    with connection.cursor() as cursor:
        if refuse:
            cursor.execute(
                "CREATE FUNCTION refuse_reply() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
            )
            # On the reply (a row with its status), however it is written: a claim made before the write passes.
            cursor.execute(
                "CREATE TRIGGER refuse_reply BEFORE INSERT OR UPDATE ON agencies_idempotencyrecord "
                "FOR EACH ROW WHEN (NEW.status_code IS NOT NULL) EXECUTE FUNCTION refuse_reply()"
            )
        else:
            cursor.execute("DROP TRIGGER refuse_reply ON agencies_idempotencyrecord")
            cursor.execute("DROP FUNCTION refuse_reply()")


@pytest.mark.postgres  # an advisory lock / a trigger
def test_a_write_whose_reply_cannot_be_kept_is_not_committed_and_its_retry_works(lentera_api):
    people = Person.objects.count()
    lentera_api.raise_request_exception = False
    _refuse_replies(True)

    failed = _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY=KEY)

    assert failed.status_code == 500
    assert Person.objects.count() == people  # the intake went with its reply
    _refuse_replies(False)
    retried = _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY=KEY)
    again = _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY=KEY)

    assert retried.status_code == 201  # not 409 "still processing" for a day
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.count() == people + 1


def test_a_stored_reply_exists_exactly_when_its_write_committed(lentera_api):
    refused = _post(lentera_api, "/api/v1/intake/", {**INTAKE, "target_group": 999}, HTTP_IDEMPOTENCY_KEY="k-1")
    created = _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY="k-2")

    assert refused.status_code == 400 and created.status_code == 201
    assert dict(IdempotencyRecord.objects.values_list("key", "status_code")) == {"k-2": 201}


# Item 8: the content type is negotiated before anything runs


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ACCEPT": "text/html"}, {"HTTP_ACCEPT": "application/xml"}, {"QUERY_STRING": "format=api"}],
    ids=["html", "xml", "format-api"],
)
def test_an_intake_asking_for_anything_but_json_is_406_and_saves_nothing(lentera_api, headers):
    people = Person.objects.count()
    response = _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY=KEY, **headers)

    _problem(response, 406)
    assert Person.objects.count() == people
    # The key was not used up: the same request asking for JSON goes ahead, once.
    assert _post(lentera_api, "/api/v1/intake/", INTAKE, HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    assert Person.objects.count() == people + 1


def test_a_body_that_is_not_json_is_415_and_saves_nothing(lentera_api):
    people = Person.objects.count()
    response = lentera_api.generic(
        "POST", "/api/v1/intake/", "full_name=Sri&sex=F&target_group=10", "application/x-www-form-urlencoded"
    )

    _problem(response, 415)
    assert Person.objects.count() == people


def test_a_browser_accept_header_that_takes_anything_gets_json(world, lentera_api):
    response = lentera_api.get("/api/v1/cases/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# Item 9: deep JSON


@pytest.mark.parametrize(
    "url", ["/api/v1/intake/", "/api/v1/intake/batch/", "/api/v1/referrals/", "/api/v1/enrollments/"]
)
def test_json_nested_100000_levels_deep_is_a_400(world, lentera_api, url):
    body = b"[" * 100_000 + b"]" * 100_000

    _problem(_post(lentera_api, url, body), 400)


def test_deep_json_in_a_field_is_a_400_too(world, lentera_api):
    people = Person.objects.count()
    body = b'{"full_name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    _problem(_post(lentera_api, "/api/v1/intake/", body, HTTP_IDEMPOTENCY_KEY=KEY), 400)
    assert Person.objects.count() == people


# Item 10: status and shape


def test_a_10_mb_body_is_a_413_problem(lentera_api):
    people = Person.objects.count()
    body = json.dumps({**INTAKE, "address": "x" * 10_000_000}).encode()

    response = _post(lentera_api, "/api/v1/intake/", body, HTTP_IDEMPOTENCY_KEY=KEY)

    _problem(response, 413)
    assert Person.objects.count() == people


@pytest.mark.parametrize("url", ["/api/v1/programs/", "/api/v1/batches/", "/api/v1/regions/", "/api/v1/agencies/"])
def test_an_invalid_cursor_on_a_name_ordered_list_is_a_400_naming_the_cursor(world, lentera_api, url):
    response = lentera_api.get(url, {"cursor": "bukan-kursor"})

    assert list(_problem(response, 400)["errors"]) == ["cursor"]


FORGED = ["p=%00", "o=1&p=2026-01-01", "p=9999-99-99", "r=1&p=x", "p=99999999999999999999", "p=-5"]


@pytest.mark.parametrize(
    ("url", "raw"),
    [(url, raw) for url in ("/api/v1/programs/", "/api/v1/agencies/") for raw in FORGED]
    # A region code is text: any text without NUL is a position in that order.
    + [("/api/v1/regions/", "p=%00")],
)
def test_a_forged_position_in_a_name_ordered_cursor_is_a_400_not_a_500(world, lentera_api, url, raw):
    response = lentera_api.get(url, {"cursor": base64.b64encode(raw.encode()).decode()})

    assert list(_problem(response, 400)["errors"]) == ["cursor"]
