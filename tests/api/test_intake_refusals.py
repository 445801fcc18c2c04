"""What an intake is refused for, and in what order (issue 13, items 4, 5 and 10).

- Whether a NIK is registered is answered only for a row that would otherwise be saved: a request refused for
  another field must not tell whether the NIK exists (1,000 NIKs per bulk call could be probed otherwise).
- An NGO files cases only into the caseload of the office whose jurisdiction covers it, and a refused owner takes
  no case number from anyone.
- A field error names the field the client sent (`processing_consent_on`, not the consent's `given_on`); a birth
  date before 1900 is refused like a birth year before 1900.
"""

import pytest
from django.utils import timezone

from agencies.models import Role
from cases.models import Case, CaseNumberSequence, Person
from tests.cases.factories import IntakeFactory

from .helpers import PROBLEM

# Kota Semarang, kecamatan 01; a woman born 5 January 1990; serial 0001.
NIK = "3374014501900001"
INTAKE = {"full_name": "Sri Wahyuni", "sex": "F", "target_group": 10}


def today(days: int = 0) -> str:
    return (timezone.localdate() + timezone.timedelta(days=days)).isoformat()


def errors_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()["errors"]


def bulk(client, *rows: dict) -> list[dict]:
    response = client.post("/api/v1/intake/batch/", {"rows": list(rows)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def sequence_of(region: str) -> int:
    row = CaseNumberSequence.objects.filter(region_id=region, year=timezone.localdate().year).first()
    return row.last if row else 0


@pytest.fixture
def registered_elsewhere(world, member):
    """NIK's person, registered by Purbalingga's office: outside everything Lentera may see."""
    return IntakeFactory(actor=member(Role.DISTRICT_STAFF, agency=world.purbalingga), nik=NIK).case


def other_invalid_fields(world) -> dict:
    """Fields the intake's shape accepts but its rules refuse, one at a time, checked after the shape."""
    return {
        "processing_consent_on": today(days=3),
        "owner": world.purbalingga.pk,
        "birth_date": "0001-01-01",
    }


# Item 4: the NIK question is answered last.


@pytest.mark.parametrize("field", ["processing_consent_on", "owner", "birth_date"])
def test_an_intake_refused_for_another_field_does_not_say_its_nik_is_registered_elsewhere(
    world, lentera_api, registered_elsewhere, field
):
    value = other_invalid_fields(world)[field]

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "nik": NIK, field: value}, format="json")

    errors = errors_of(response, 400)
    assert list(errors) == [field]
    assert "nik" not in errors
    assert "another district" not in response.content.decode()


def test_an_intake_valid_in_every_other_field_still_hears_that_its_nik_is_registered_elsewhere(
    lentera_api, registered_elsewhere
):
    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "nik": NIK}, format="json")

    assert list(errors_of(response, 409)) == ["nik"]
    assert Case.objects.filter(person__nik_hash=registered_elsewhere.person.nik_hash).count() == 1


def test_bulk_rows_refused_for_another_field_do_not_say_their_nik_is_registered_elsewhere(
    world, lentera_api, registered_elsewhere
):
    invalid = other_invalid_fields(world)
    rows = [
        {**INTAKE, "external_id": f"L-{n}", "nik": NIK, field: value}
        for n, (field, value) in enumerate(invalid.items())
    ]

    results = bulk(lentera_api, *rows, {**INTAKE, "external_id": "L-valid", "nik": NIK})

    for result, field in zip(results, invalid, strict=False):
        assert (result["status"], list(result["errors"])) == ("error", [field])
    # The one row that would otherwise be saved is told, as before.
    assert (results[-1]["status"], list(results[-1]["errors"])) == ("duplicate", ["nik"])


def test_a_bulk_row_with_a_nik_of_an_earlier_row_is_a_duplicate_only_when_it_is_otherwise_valid(lentera_api):
    first = {**INTAKE, "external_id": "L-1", "nik": NIK}
    future_consent = {**INTAKE, "external_id": "L-2", "nik": NIK, "processing_consent_on": today(days=1)}
    again = {**INTAKE, "external_id": "L-3", "nik": NIK}

    results = bulk(lentera_api, first, future_consent, again)

    assert [r["status"] for r in results] == ["created", "error", "duplicate"]
    assert list(results[1]["errors"]) == ["processing_consent_on"]
    assert results[0]["number"] in " ".join(results[2]["errors"]["nik"])  # Lentera's own case: it may be named


# Item 5: the owner's jurisdiction covers the registering agency.


def test_an_ngo_cannot_file_a_case_into_another_district_s_caseload(world, lentera_api):
    before = (sequence_of("33.03"), Case.objects.count(), Person.objects.count())

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "owner": world.purbalingga.pk}, format="json")

    assert list(errors_of(response, 400)) == ["owner"]
    assert (sequence_of("33.03"), Case.objects.count(), Person.objects.count()) == before


def test_an_ngo_may_name_the_office_of_its_own_regency_as_owner(world, lentera_api):
    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "owner": world.semarang.pk}, format="json")

    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=response.json()["case"]["id"]).owner == world.semarang


def test_a_bulk_row_filed_into_another_district_s_caseload_is_an_error_row_naming_owner(world, lentera_api):
    before = sequence_of("33.03")

    results = bulk(
        lentera_api,
        {**INTAKE, "external_id": "L-1", "owner": world.purbalingga.pk},
        {**INTAKE, "external_id": "L-2"},
    )

    assert (results[0]["status"], list(results[0]["errors"])) == ("error", ["owner"])
    assert results[1]["status"] == "created" and results[1]["number"].startswith("33.74-")
    assert sequence_of("33.03") == before
    assert not Case.objects.filter(owner=world.purbalingga, registered_by=world.lentera).exists()


# Item 10: a field error names what the client sent; birth dates from 1900.


def test_a_future_processing_consent_is_refused_under_the_field_the_client_sent(lentera_api):
    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "processing_consent_on": today(days=3)}, format="json")

    assert list(errors_of(response, 400)) == ["processing_consent_on"]


def test_a_future_processing_consent_in_a_bulk_row_is_refused_under_the_field_the_row_sent(lentera_api):
    (result,) = bulk(lentera_api, {**INTAKE, "external_id": "L-1", "processing_consent_on": today(days=3)})

    assert (result["status"], list(result["errors"])) == ("error", ["processing_consent_on"])


@pytest.mark.parametrize("birth_date", ["0001-01-01", "1899-12-31"])
def test_a_birth_date_before_1900_is_refused_on_birth_date(lentera_api, birth_date):
    before = Person.objects.count()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, "birth_date": birth_date}, format="json")

    assert list(errors_of(response, 400)) == ["birth_date"]
    assert Person.objects.count() == before


def test_a_birth_date_before_1900_in_a_bulk_row_is_refused_on_birth_date(lentera_api):
    old, first_of_1900 = bulk(
        lentera_api,
        {**INTAKE, "external_id": "L-1", "birth_date": "0001-01-01"},
        {**INTAKE, "external_id": "L-2", "birth_date": "1900-01-01"},
    )

    assert (old["status"], list(old["errors"])) == ("error", ["birth_date"])
    assert first_of_1900["status"] == "created"
