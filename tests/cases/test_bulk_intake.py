"""Bulk intake (an NGO's pendataan sheet): a truthful result per row, valid rows saved, resending is safe."""

import pytest

from agencies import services as agency_services
from agencies.fastpath.rows import COPY_APART_FROM_ROWS
from agencies.models import Agency, ApiClient, AuditEvent
from cases import refusals
from cases.models import Case, Person, StageChange
from tests.agencies.factories import AgencyFactory, RegionFactory, UserFactory
from tests.conftest import APIClient

pytestmark = pytest.mark.django_db

SHEET = [
    {"external_id": "KD-001", "full_name": "Ani Lestari", "sex": "F", "target_group": 10},
    {"external_id": "KD-002", "full_name": "Budi", "sex": "M", "nik": "12345", "target_group": 15},
    {"external_id": "KD-003", "full_name": "Citra", "sex": "F", "nik": "3510015505920009", "target_group": 10},
    {"external_id": "KD-004", "full_name": "", "sex": "F", "target_group": 10},
]


@pytest.fixture
def api():
    district = RegionFactory(code="35.10")
    AgencyFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=district)
    ngo = AgencyFactory(name="Bina Sehat", kind=Agency.Kind.NGO, region=district)
    root = UserFactory(username="root", is_superuser=True)
    _client, token = agency_services.api_client_create(
        actor=root, agency=ngo, name="App", scope=ApiClient.Scope.READ_WRITE
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _send(api, rows):
    response = api.post("/api/v1/intake/batch/", {"rows": rows}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_each_row_gets_its_own_truthful_result_and_valid_rows_are_saved(api, english):
    body = _send(api, SHEET)

    assert (body["created"], body["duplicates"], body["errors"]) == (2, 0, 2)
    assert [(r["row"], r["status"]) for r in body["results"]] == [
        (0, "created"),
        (1, "error"),
        (2, "created"),
        (3, "error"),
    ]
    assert body["results"][1]["errors"] == {"nik": [refusals.NIK_NOT_16_DIGITS]}
    assert "full_name" in body["results"][3]["errors"]
    assert set(Case.objects.values_list("external_id", flat=True)) == {"KD-001", "KD-003"}


@pytest.mark.parametrize("count", [3, COPY_APART_FROM_ROWS], ids=["a few rows", "enough rows to be copied apart"])
def test_every_case_of_a_sheet_gets_its_first_stage_and_the_sheet_one_event_naming_them(api, count):
    rows = [
        {"external_id": f"KD-{n:03d}", "full_name": f"Warga {n}", "sex": "F", "target_group": 10} for n in range(count)
    ]

    _send(api, rows)

    cases = [case.pk for case in Case.objects.order_by("pk")]
    assert len(cases) == count
    first = StageChange.objects.order_by("case_id")
    assert [(c.case_id, c.from_stage, c.to_stage) for c in first] == [(pk, "", Case.Stage.REGISTERED) for pk in cases]
    event = AuditEvent.objects.get(action="cases.case.registered_in_bulk")
    assert (event.actor_api_client.agency.name, event.agency.name) == (
        "Bina Sehat",
        "Dinas Sosial Kabupaten Banyuwangi",
    )
    assert event.data == {
        "count": count,
        "cases": cases,
        "nik_given": 0,
        "nik_warnings": 0,
        "processing_consents": 0,
    }


def test_sending_the_same_sheet_again_creates_nothing(api):
    first = _send(api, SHEET)

    again = _send(api, SHEET)

    assert (again["created"], again["duplicates"]) == (0, 2)
    assert [r["number"] for r in again["results"] if r["status"] == "duplicate"] == [
        r["number"] for r in first["results"] if r["status"] == "created"
    ]
    assert Person.objects.count() == 2


def test_a_known_nik_in_the_sheet_is_a_duplicate_not_an_error(api):
    _send(api, SHEET[2:3])

    body = _send(api, [{**SHEET[2], "external_id": "KD-099"}])

    assert body["results"][0]["status"] == "duplicate"
    assert Case.objects.count() == 1


def test_the_same_external_id_twice_in_one_sheet_registers_once(api):
    body = _send(api, [SHEET[0], {**SHEET[0], "full_name": "Ani L."}])

    assert [r["status"] for r in body["results"]] == ["created", "duplicate"]


def test_more_than_a_thousand_rows_are_refused_whole(api):
    response = api.post("/api/v1/intake/batch/", {"rows": [SHEET[0]] * 1001}, format="json")

    assert response.status_code == 400
    assert "rows" in response.json()["errors"]
    assert not Case.objects.exists()


def test_a_partner_trainer_may_not_register(api):
    police = AgencyFactory(kind=Agency.Kind.POLICE, region=RegionFactory(code="35.10"))
    root = UserFactory(username="root2", is_superuser=True)
    _client, token = agency_services.api_client_create(actor=root, agency=police, name="Polres", scope="read_write")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api.post("/api/v1/intake/batch/", {"rows": SHEET[:1]}, format="json")

    assert response.status_code == 403
    assert not Case.objects.exists()
