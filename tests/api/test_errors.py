"""What bad input gets (issue 6 §6, "What bad input gets"): one problem-details shape (RFC 9457) for every error,
field errors under `errors`, Indonesian unless the caller asks for English, never a 500, and nothing saved.
"""

import base64

import pytest
from django.db.models import Model
from django.utils import timezone

from agencies.models import AuditEvent, Role
from cases.models import Case, CaseNumberSequence, Consent, Person, StageChange
from programs.models import Batch, Enrollment
from tests.cases.factories import CaseFactory, IntakeFactory
from tests.programs.factories import BatchFactory, EnrollmentFactory

from .helpers import PROBLEM, make_cases

# Kota Semarang, kecamatan 01; a woman born 5 January 1990; serial 0001.
NIK = "3374014501900001"
INTAKE = {"full_name": "Sri Wahyuni", "sex": "F", "target_group": 10}
WATCHED = (Person, Case, StageChange, Consent, CaseNumberSequence, Enrollment, AuditEvent)


def problem(response, status: int) -> dict:
    """The body of a problem-details response with `status`, after checking its shape."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status"} <= set(body)
    assert body["status"] == status
    return body


def row_counts(models: tuple[type[Model], ...] = WATCHED) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def today(days: int = 0) -> str:
    return (timezone.localdate() + timezone.timedelta(days=days)).isoformat()


# Wrong types and unknown choices.


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_year", "sembilan belas"),
        ("birth_date", "kemarin"),
        ("birth_date", "1990-02-30"),
        ("sex", "X"),  # an unknown choice
        ("target_group", 999),  # an unknown code
        ("home_region", "99.99"),
        ("site", "the big one"),
        ("full_name", ""),
        ("full_name", "x" * 151),
        ("full_name", "Sri\x00"),  # a NUL byte
        ("other_target_groups", "10"),
    ],
)
def test_a_wrong_type_or_unknown_choice_is_400_naming_the_field(lentera_api, field, value):
    before = row_counts()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, field: value}, format="json")

    body = problem(response, 400)
    assert field in body["errors"]
    assert isinstance(body["errors"][field], list)
    assert row_counts() == before


def test_a_missing_required_field_is_400_naming_it(lentera_api):
    response = lentera_api.post("/api/v1/intake/", {"full_name": "Sri"}, format="json")

    assert set(problem(response, 400)["errors"]) == {"sex", "target_group"}


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/cases/{case}/stage/", {"to": "graduated"}, "to"),
        ("/api/v1/cases/{case}/stage/", {"to": "closed", "close_reason": "bored"}, "close_reason"),
        ("/api/v1/cases/{case}/consents/", {"purpose": "marketing", "given_on": "2026-01-01"}, "purpose"),
        ("/api/v1/cases/{case}/consents/", {"purpose": "processing", "given_on": "01/01/2026"}, "given_on"),
        ("/api/v1/referrals/", {"case": "{case}", "to_agency": 1, "kind": "jail", "reason": "x"}, "kind"),
        ("/api/v1/enrollments/", {"batch": "first", "case": "{case}"}, "batch"),
        ("/api/v1/sites/", {"name": "Gang Baru", "kind": "karaoke", "region": "33.74.01"}, "kind"),
        ("/api/v1/sessions/{session}/attendance/", {"present": {"one": True}}, "present"),
        ("/api/v1/sessions/{session}/attendance/", {"present": ["1"]}, "present"),
    ],
)
def test_every_endpoint_names_the_field_it_refuses(world, lentera_api, url, body, field):
    ids = {"case": world.own_case.pk, "session": world.past_session.pk}
    body = {key: value.format(**ids) if isinstance(value, str) else value for key, value in body.items()}

    response = lentera_api.post(url.format(**ids), body, format="json")

    assert field in problem(response, 400)["errors"]


def test_a_body_that_is_not_json_is_400(lentera_api):
    response = lentera_api.post("/api/v1/intake/", "{full_name: Sri", content_type="application/json")

    problem(response, 400)


def test_an_unknown_field_is_400_naming_it(lentera_api):
    before = row_counts()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "hiv_status": "positive"}, format="json")

    assert "hiv_status" in problem(response, 400)["errors"]
    assert row_counts() == before


def test_an_unsupported_method_is_a_405_problem(world, lentera_api):
    problem(lentera_api.delete(f"/api/v1/cases/{world.own_case.pk}/"), 405)


def test_a_row_that_does_not_exist_is_a_404_problem(lentera_api):
    problem(lentera_api.get("/api/v1/cases/999999999/"), 404)
    problem(lentera_api.get("/api/v1/cases/not-a-number/"), 404)


# NIKs.


@pytest.mark.parametrize("nik", ["12345", "33740145019000011", "3374O14501900001", "NIK 3374014501900"])
def test_a_malformed_nik_is_400_on_nik_and_nothing_is_saved(lentera_api, nik):
    before = row_counts()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "nik": nik}, format="json")

    assert list(problem(response, 400)["errors"]) == ["nik"]
    assert row_counts() == before


def test_a_nik_already_registered_in_scope_is_409_naming_the_case(lentera_api):
    first = lentera_api.post("/api/v1/intake/", {**INTAKE, "nik": NIK}, format="json")
    number = first.json()["case"]["number"]
    before = row_counts()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "full_name": "Sri W.", "nik": NIK}, format="json")

    body = problem(response, 409)
    assert number in " ".join(body["errors"]["nik"])
    assert row_counts() == before


def test_a_nik_registered_in_another_district_is_409_without_a_trace_of_it(world, lentera_api, member):
    purbalingga_staff = member(Role.DISTRICT_STAFF, agency=world.purbalingga)
    elsewhere = IntakeFactory(
        actor=purbalingga_staff, full_name="Ratna Kusumawati", nik=NIK, address="Desa Karangreja RT 02"
    ).case
    before = row_counts()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "nik": NIK}, format="json")

    body = problem(response, 409)
    assert list(body["errors"]) == ["nik"]
    text = response.content.decode()
    for secret in (elsewhere.number, "Ratna", "Kusumawati", "Karangreja", "Purbalingga", "33.03", str(elsewhere.pk)):
        assert secret not in text
    assert row_counts() == before


# Enrollment: a full batch waitlists, a closed case is refused.


def test_an_enrollment_past_capacity_is_201_waitlisted_not_an_error(world, staff_api):
    batch = BatchFactory(program=world.program, capacity=1, number=7)
    EnrollmentFactory(actor=world.staff, batch=batch)
    case = CaseFactory(owner=world.semarang, registered_by=world.lentera, stage=Case.Stage.PLANNED)

    response = staff_api.post("/api/v1/enrollments/", {"batch": batch.pk, "case": case.pk}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["status"] == Enrollment.Status.WAITLISTED
    batch.refresh_from_db()
    case.refresh_from_db()
    assert batch.enrolled_count == 1
    assert case.stage == Case.Stage.PLANNED  # only a place in the batch starts the intervention


def test_enrolling_a_closed_case_is_400_naming_case_and_saves_nothing(world, staff_api):
    closed = CaseFactory(
        owner=world.semarang, registered_by=world.lentera, stage=Case.Stage.CLOSED, close_reason="goals_met"
    )
    before = row_counts()

    response = staff_api.post("/api/v1/enrollments/", {"batch": world.open_batch.pk, "case": closed.pk}, format="json")

    assert "case" in problem(response, 400)["errors"]
    assert row_counts() == before
    assert Batch.objects.get(pk=world.open_batch.pk).enrolled_count == 0


# Paging.


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        _cursor("o=abc"),
        _cursor("p=not-a-date"),
        _cursor("r=1&p=2026-13-45"),
        _cursor("p=" + "9" * 40),
    ],
)
def test_an_invalid_cursor_is_a_4xx_problem_never_a_500(lentera_api, cursor):
    response = lentera_api.get("/api/v1/cases/", {"cursor": cursor})

    assert 400 <= response.status_code < 500, response.content
    problem(response, response.status_code)


def test_a_page_size_above_the_maximum_is_capped(world, lentera_api):
    make_cases(world.semarang, world.lentera, 210)

    response = lentera_api.get("/api/v1/cases/", {"page_size": 100_000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert response.json()["next"]


@pytest.mark.parametrize("page_size", ["0", "-5", "lots", ""])
def test_a_page_size_that_is_not_a_positive_number_falls_back_to_the_default(world, lentera_api, page_size):
    make_cases(world.semarang, world.lentera, 60)

    response = lentera_api.get("/api/v1/cases/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/cases/", {"updated_since": "last tuesday"}, "updated_since"),
        # An offset ISO 8601 allows whose instant is before year 1 in UTC (PostgreSQL refuses the offset itself).
        ("/api/v1/cases/", {"updated_since": "0001-01-01T00:00:00+05:00"}, "updated_since"),
        ("/api/v1/cases/", {"stage": "graduated"}, "stage"),
        ("/api/v1/follow-ups/", {"due_before": "soon"}, "due_before"),
        ("/api/v1/enrollments/", {"status": "maybe"}, "status"),
    ],
)
def test_a_bad_filter_is_400_naming_it(lentera_api, url, query, field):
    assert field in problem(lentera_api.get(url, query), 400)["errors"]


# Language.


def test_messages_are_in_indonesian_by_default_and_in_english_on_request(lentera_api):
    body = {**INTAKE, "nik": "12345"}

    indonesian = lentera_api.post("/api/v1/intake/", body, format="json")
    english = lentera_api.post("/api/v1/intake/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert problem(indonesian, 400)["errors"]["nik"] == ["NIK harus terdiri atas tepat 16 digit."]
    assert problem(english, 400)["errors"]["nik"] == ["A NIK has exactly 16 digits."]
    assert indonesian["Content-Language"] == "id"
    assert english["Content-Language"] == "en"


def test_serializer_messages_follow_the_language_too(lentera_api):
    indonesian = lentera_api.post("/api/v1/intake/", {**INTAKE, "sex": "X"}, format="json")
    english = lentera_api.post("/api/v1/intake/", {**INTAKE, "sex": "X"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert indonesian.json()["errors"]["sex"] == ['"X" tidak ada dalam daftar pilihan.']
    assert english.json()["errors"]["sex"] == ['"X" is not a valid choice.']


def test_the_not_found_title_follows_the_language(world, lentera_api):
    path = f"/api/v1/cases/{world.other_case.pk}/"

    assert lentera_api.get(path).json()["title"] == "Tidak ditemukan."
    assert lentera_api.get(path, HTTP_ACCEPT_LANGUAGE="en").json()["title"] == "Not found."


@pytest.mark.parametrize("scope", ["read_write", "read"])
def test_the_problem_title_is_in_indonesian_by_default(world, as_token, scope):
    client = as_token(world.lentera, scope)

    indonesian = client.post("/api/v1/intake/", {**INTAKE, "sex": "X"}, format="json")
    english = client.post("/api/v1/intake/", {**INTAKE, "sex": "X"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert indonesian.json()["title"] != english.json()["title"]


# Nothing saved from a rejected request.


def test_an_intake_refused_for_its_consent_date_leaves_nothing_behind(lentera_api):
    # A refusal after rows were written rolls them back too: tests/cases/test_intake.py forces one in the database.
    before = row_counts()

    response = lentera_api.post(
        "/api/v1/intake/", {**INTAKE, "nik": NIK, "processing_consent_on": today(days=3)}, format="json"
    )

    assert "processing_consent_on" in problem(response, 400)["errors"]
    assert row_counts() == before
    retry = lentera_api.post("/api/v1/intake/", {**INTAKE, "nik": NIK, "processing_consent_on": today()}, format="json")
    assert retry.status_code == 201  # the NIK was not left registered by the refused attempt


def test_a_refused_stage_move_changes_nothing(world, lentera_api):
    before = row_counts()

    response = lentera_api.post(f"/api/v1/cases/{world.own_case.pk}/stage/", {"to": "registered"}, format="json")

    assert "reason" in problem(response, 400)["errors"]
    assert row_counts() == before
    assert Case.objects.get(pk=world.own_case.pk).stage == Case.Stage.IN_INTERVENTION
