"""Safe writes from flaky networks (issue 6 §4, DESIGN §8): Idempotency-Key on POST, ETag/If-Match on stage
moves, and a per-caller throttle answering 429 with Retry-After.
"""

import json

import psycopg2
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from rest_framework.settings import api_settings

from agencies.api import idempotency
from agencies.api.throttling import PerCallerThrottle
from agencies.models import IdempotencyRecord
from cases import services as case_services
from cases.models import Case, Person, StageChange

from .helpers import PROBLEM, bearer

INTAKE = {"full_name": "Sri Wahyuni", "sex": "F", "target_group": 10, "nik": "3374014501900001"}
KEY = "7f1c2a9e-intake-row-17"


# Idempotency-Key


def test_the_same_key_and_body_twice_creates_one_case_and_replays_the_first_answer(lentera_api):
    first = lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    second = lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Case.objects.filter(person__full_name="Sri Wahyuni").count() == 1


def test_without_a_key_a_retry_is_a_new_request(lentera_api):
    lentera_api.post("/api/v1/intake/", INTAKE, format="json")

    retry = lentera_api.post("/api/v1/intake/", INTAKE, format="json")

    assert retry.status_code == 409  # the NIK is known now: refused, not registered twice
    assert "Idempotent-Replayed" not in retry


def test_the_same_key_with_another_body_is_422_and_does_nothing(lentera_api):
    lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    people = Person.objects.count()

    response = lentera_api.post(
        "/api/v1/intake/", {**INTAKE, "full_name": "Ratna"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 422
    assert Person.objects.count() == people


def test_the_same_key_on_another_endpoint_is_422(world, lentera_api):
    lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    response = lentera_api.post(
        f"/api/v1/cases/{world.own_case.pk}/consents/",
        {"purpose": "processing", "given_on": "2026-01-05"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert response.status_code == 422


def test_different_callers_may_use_the_same_key_independently(world, lentera_api, as_token, staff_api):
    other_app = as_token(world.lentera)  # another API client of the same NGO is another caller
    bodies = [{**INTAKE, "nik": f"337401450190000{n}", "full_name": f"Warga {n}"} for n in (1, 2, 3)]

    answers = [
        client.post("/api/v1/intake/", body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
        for client, body in zip((lentera_api, other_app, staff_api), bodies, strict=True)
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert all("Idempotent-Replayed" not in answer for answer in answers)
    assert len({answer.json()["case"]["id"] for answer in answers}) == 3


def test_a_refused_request_is_not_kept_so_its_retry_is_judged_again(world, lentera_api):
    # A refusal writes nothing; kept, it could name a case the caller may no longer see when it is replayed.
    duplicate = {**INTAKE, "nik": "3374014501900001"}
    lentera_api.post("/api/v1/intake/", duplicate, format="json")
    first = lentera_api.post("/api/v1/intake/", duplicate, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    second = lentera_api.post("/api/v1/intake/", duplicate, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == second.status_code == 409
    assert "Idempotent-Replayed" not in second
    assert second["Content-Type"] == PROBLEM
    assert not IdempotencyRecord.objects.filter(key=KEY).exists()


def test_after_a_refusal_the_same_key_may_carry_the_corrected_request(lentera_api):
    people = Person.objects.count()
    bad = {**INTAKE, "nik": "12345"}
    refused = lentera_api.post("/api/v1/intake/", bad, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    corrected = lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert Person.objects.count() == people + 1


def test_a_retried_stage_move_is_replayed_not_refused_as_already_done(world, lentera_api):
    url = f"/api/v1/cases/{world.own_case.pk}/stage/"
    changes = StageChange.objects.filter(case=world.own_case).count()

    first = lentera_api.post(url, {"to": "reintegration"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    retry = lentera_api.post(url, {"to": "reintegration"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert StageChange.objects.filter(case=world.own_case).count() == changes + 1


@pytest.mark.postgres  # an advisory lock / a trigger
def test_a_retry_while_the_first_request_is_still_running_is_409(world, issue_token):
    client, token = issue_token(world.lentera)
    body = json.dumps(INTAKE).encode()
    # The first request runs in another connection: its transaction holds the key's lock until it ends.
    first = psycopg2.connect(**connection.get_connection_params())
    try:
        with first.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [idempotency._lock_id(f"client:{client.pk}", KEY)])

        response = bearer(token).post(
            "/api/v1/intake/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
        )
    finally:
        first.rollback()
        first.close()

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert not Person.objects.filter(full_name="Sri Wahyuni").exists()


@pytest.mark.parametrize("key", ["k" * 256, "", "kunci dengan spasi", "kunci\u00e9"])
def test_a_malformed_key_is_a_400_naming_the_header(lentera_api, key):
    response = lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Person.objects.filter(full_name="Sri Wahyuni").exists()


# ETag / If-Match


def _etag(client, case) -> str:
    response = client.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    return response["ETag"]


def test_a_case_read_carries_an_etag_that_changes_with_the_case(world, lentera_api):
    before = _etag(lentera_api, world.own_case)

    case_services.case_transition(actor=world.staff, case=world.own_case, to=Case.Stage.REINTEGRATION)

    assert before.startswith('"') and before.endswith('"')
    assert _etag(lentera_api, world.own_case) != before


def test_a_stage_move_with_a_stale_etag_is_412_and_the_stage_is_unchanged(world, lentera_api):
    stale = _etag(lentera_api, world.own_case)
    # Meanwhile the office moved the case on.
    case_services.case_transition(actor=world.staff, case=world.own_case, to=Case.Stage.REINTEGRATION)
    changes = StageChange.objects.filter(case=world.own_case).count()

    response = lentera_api.post(
        f"/api/v1/cases/{world.own_case.pk}/stage/",
        {"to": "aftercare"},
        format="json",
        HTTP_IF_MATCH=stale,
    )

    assert response.status_code == 412
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 412
    assert Case.objects.get(pk=world.own_case.pk).stage == Case.Stage.REINTEGRATION
    assert StageChange.objects.filter(case=world.own_case).count() == changes


def test_a_stage_move_with_the_current_etag_is_200_with_a_new_etag(world, lentera_api):
    current = _etag(lentera_api, world.own_case)

    response = lentera_api.post(
        f"/api/v1/cases/{world.own_case.pk}/stage/",
        {"to": "reintegration"},
        format="json",
        HTTP_IF_MATCH=current,
    )

    assert response.status_code == 200
    assert response.json()["stage"] == Case.Stage.REINTEGRATION
    assert response["ETag"] != current
    assert response["ETag"] == _etag(lentera_api, world.own_case)


def test_a_stage_move_with_if_match_star_goes_ahead(world, lentera_api):
    response = lentera_api.post(
        f"/api/v1/cases/{world.own_case.pk}/stage/", {"to": "reintegration"}, format="json", HTTP_IF_MATCH="*"
    )

    assert response.status_code == 200


def test_the_etag_of_an_out_of_scope_case_is_never_revealed(world, lentera_api):
    response = lentera_api.post(
        f"/api/v1/cases/{world.other_case.pk}/stage/", {"to": "assessed"}, format="json", HTTP_IF_MATCH='"x"'
    )

    assert response.status_code == 404
    assert "ETag" not in response


# Throttling


@pytest.fixture
def three_a_minute(monkeypatch):
    """REST_FRAMEWORK's caller rate at 3/min. DRF reloads api_settings when the setting changes, but
    SimpleRateThrottle copied the rates into THROTTLE_RATES at import time, so that is set the same way."""
    rates = {"caller": "3/min"}
    with override_settings(REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}):
        monkeypatch.setattr(PerCallerThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)
        cache.clear()
        yield
        cache.clear()


def test_the_fourth_request_in_a_minute_is_429_with_retry_after(world, lentera_api, three_a_minute):
    answers = [lentera_api.get("/api/v1/regions/").status_code for _ in range(3)]

    response = lentera_api.get("/api/v1/regions/")

    assert answers == [200, 200, 200]
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert 0 < int(response["Retry-After"]) <= 60


def test_after_a_burst_the_rate_allows_one_request_per_interval(world, lentera_api, three_a_minute, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(PerCallerThrottle, "timer", lambda self: clock[0])
    burst = [lentera_api.get("/api/v1/regions/").status_code for _ in range(4)]

    clock[0] += 19  # 3/min: one request every 20 s once the burst is spent
    too_soon = lentera_api.get("/api/v1/regions/")
    clock[0] += 1
    paced = [lentera_api.get("/api/v1/regions/").status_code for _ in range(2)]

    assert burst == [200, 200, 200, 429]
    assert too_soon.status_code == 429 and too_soon["Retry-After"] == "1"
    assert paced == [200, 429]


def test_a_throttled_client_does_not_slow_another_down(world, lentera_api, as_token, staff_api, three_a_minute):
    for _ in range(4):
        lentera_api.get("/api/v1/regions/")

    assert lentera_api.get("/api/v1/regions/").status_code == 429
    assert as_token(world.lentera).get("/api/v1/regions/").status_code == 200
    assert staff_api.get("/api/v1/regions/").status_code == 200


def test_a_throttled_post_does_nothing(world, lentera_api, three_a_minute):
    for _ in range(3):
        lentera_api.get("/api/v1/regions/")

    response = lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 429
    assert not Person.objects.filter(full_name="Sri Wahyuni").exists()
    assert not IdempotencyRecord.objects.filter(key=KEY).exists()  # the key stays free for the retry
