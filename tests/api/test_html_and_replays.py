"""The partner API answers JSON only, and a replayed write is a read (issue 13 §1–§3, §8; DESIGN §5, §6).

Asked for HTML, the API once rendered the browsable pages, whose filter forms listed every case number and username
of the installation, and an intake asking for HTML was saved, then answered 500, so a retry saved it twice. An
`Idempotency-Key` replay once answered the stored reply to anyone holding the key: after the person withdrew her
consent to share (the GET is 404 by then) it still showed her name, phone and address, it was not in the access
log, and the reply sat in the idempotency table in clear for 24 hours.

The world is tests/api/conftest.py's: Lentera sees `own_case` (it registered it) and the case Semarang referred to
it and it accepted, while the person's consent to share with Lentera holds.
"""

import pytest
from django.db import connection
from django.utils import timezone

from agencies import services as agency_services
from agencies.models import ApiClient, AuditEvent, IdempotencyRecord, Role
from cases import services as case_services
from cases.models import Case, CaseNote, Consent, Person, Referral
from programs.models import Enrollment
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import ConsentFactory
from tests.conftest import APIClient

from .helpers import PROBLEM, bearer

KEY = "5b0e6a52-retry-of-a-field-app"
CASE_READ = "cases.case.read_by_api"
ENROLLMENT_READ = "programs.enrollment.read_by_api"

# What the person told the caseworker: none of it may be kept in clear, nor shown to a caller out of scope.
PERSON = {"full_name": "Sri Wahyuni Rahayu", "phone": "081298765432", "address": "Jl. Argorejo Gg. III No. 17"}
INTAKE = {**PERSON, "known_as": "Yuyun", "sex": "F", "target_group": 10, "nik": "3374014501900007"}
NOTE = "Kunjungan rumah: ibunya sakit, minta rujukan ke puskesmas"
NEEDS = "Modal usaha warung kelontong"


def today() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def accepted_case(world) -> Case:
    """The case Semarang referred to Lentera and Lentera accepted; its person has a phone and an address."""
    case = world.referred_accepted.case
    person = case.person
    person.full_name, person.phone, person.address = PERSON["full_name"], PERSON["phone"], PERSON["address"]
    person.save(update_fields=["full_name", "phone", "address"])
    return case


def withdraw_sharing_with_lentera(world, case: Case) -> None:
    """The person withdraws her consent to share with Lentera: from now on Lentera may not see her case."""
    consent = Consent.objects.current_sharing(case.person_id, world.lentera.pk).get()
    case_services.consent_withdraw(actor=world.staff, consent=consent)


@pytest.fixture
def lentera_app(world, issue_token):
    """Lentera's field app: (its API client, an APIClient sending its token)."""
    client, token = issue_token(world.lentera)
    return client, bearer(token)


# Writes that show personal data in their answer: (url, body, the row the answer shows), for a case.
def _writes_on(world, case: Case) -> dict:
    return {
        "stage_move": (f"/api/v1/cases/{case.pk}/stage/", {"to": "assessed"}),
        "assessment": (
            f"/api/v1/cases/{case.pk}/assessments/",
            {"assessed_on": today(), "needs": NEEDS, "skills_wanted": "Menjahit"},
        ),
        "note": (f"/api/v1/cases/{case.pk}/notes/", {"body": NOTE}),
        "consent": (f"/api/v1/cases/{case.pk}/consents/", {"purpose": "processing", "given_on": today()}),
        "enrollment": ("/api/v1/enrollments/", {"batch": world.open_batch.pk, "case": case.pk}),
    }


WRITES = ["stage_move", "assessment", "note", "consent", "enrollment"]


def _values_of(case: Case) -> list[str]:
    person = Person.objects.get(pk=case.person_id)
    return [case.number, person.full_name, person.phone, person.address, NOTE, NEEDS]


def _reads_logged(client: ApiClient, action: str, target_id) -> int:
    return AuditEvent.objects.filter(actor_api_client=client, action=action, target_id=str(target_id)).count()


# JSON only


@pytest.mark.parametrize("asking_for_html", [{"HTTP_ACCEPT": "text/html"}, {"QUERY_STRING": "format=api"}])
def test_an_intake_asking_for_html_is_406_and_registers_nobody(lentera_api, asking_for_html):
    lentera_api.raise_request_exception = False

    response = lentera_api.post("/api/v1/intake/", INTAKE, format="json", **asking_for_html)

    assert response.status_code == 406
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 406
    assert not Person.objects.filter(full_name=PERSON["full_name"]).exists()


def test_an_intake_refused_for_asking_html_leaves_its_key_for_the_json_retry(lentera_api):
    lentera_api.raise_request_exception = False
    lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_ACCEPT="text/html", HTTP_IDEMPOTENCY_KEY=KEY)

    retry = lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Person.objects.filter(full_name=PERSON["full_name"]).count() == 1


@pytest.mark.parametrize(
    "url", ["/api/v1/cases/", "/api/v1/enrollments/", "/api/v1/follow-ups/", "/api/v1/entitlements/"]
)
def test_the_police_and_the_ministry_asking_for_the_browsable_api_see_no_case_number_nor_username(world, as_token, url):
    numbers = list(Case.objects.values_list("number", flat=True))
    usernames = [world.staff.username]

    for agency in (world.polres, world.kemensos):
        response = as_token(agency).get(url, {"format": "api"})

        assert response.status_code == 406
        assert response["Content-Type"] == PROBLEM
        assert not [value for value in numbers + usernames if value in response.content.decode()]


# A replay is checked against today's scope of the row its answer shows


@pytest.mark.parametrize("write", WRITES)
def test_a_replayed_write_is_404_like_the_get_once_consent_to_share_is_withdrawn(
    world, accepted_case, lentera_app, write
):
    _client, api = lentera_app
    url, body = _writes_on(world, accepted_case)[write]
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code in (200, 201), first.content
    withdraw_sharing_with_lentera(world, accepted_case)
    assert api.get(f"/api/v1/cases/{accepted_case.pk}/").status_code == 404

    replay = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replay.status_code == 404
    assert replay["Content-Type"] == PROBLEM
    assert not [value for value in _values_of(accepted_case) if value in replay.content.decode()]


def test_a_replayed_stage_move_no_longer_shows_name_phone_and_address_after_consent_is_withdrawn(
    world, accepted_case, lentera_app
):
    _client, api = lentera_app
    url = f"/api/v1/cases/{accepted_case.pk}/stage/"
    first = api.post(url, {"to": "assessed"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.json()["person"]["phone"] == PERSON["phone"]
    withdraw_sharing_with_lentera(world, accepted_case)

    replay = api.post(url, {"to": "assessed"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replay.status_code == 404
    assert not [value for value in PERSON.values() if value in replay.content.decode()]


def test_a_replayed_intake_is_404_once_the_case_is_transferred_to_another_district(world, staff_api, member):
    # Semarang's staff register a woman from Purbalingga, who goes home: her case moves to Purbalingga's office.
    first = staff_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201, first.content
    case = Case.objects.get(pk=first.json()["case"]["id"])
    ConsentFactory(person=case.person, agency=world.purbalingga, purpose=Consent.Purpose.SHARING)
    referral = case_services.referral_create(
        actor=world.staff, case=case, to_agency=world.purbalingga, kind=Referral.Kind.REPATRIATION, reason="Pulang"
    )
    case_services.referral_accept(actor=member(Role.DISTRICT_STAFF, agency=world.purbalingga), referral=referral)
    assert staff_api.get(f"/api/v1/cases/{case.pk}/").status_code == 404

    replay = staff_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replay.status_code == 404
    assert replay["Content-Type"] == PROBLEM
    assert not [value for value in [case.number, *PERSON.values()] if value in replay.content.decode()]


def test_a_replayed_stage_move_is_404_once_the_callers_membership_of_the_agency_ends(world, accepted_case, superuser):
    # A caseworker of Lentera who also works for another NGO: when her Lentera membership ends, she keeps her
    # account, and loses Lentera's cases.
    lentera_membership = MembershipFactory(role=Role.NGO_CASEWORKER, agency=world.lentera)
    worker = lentera_membership.user
    MembershipFactory(role=Role.NGO_CASEWORKER, user=worker)
    api = APIClient()
    api.force_login(worker)
    url = f"/api/v1/cases/{accepted_case.pk}/stage/"
    assert api.post(url, {"to": "assessed"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 200
    agency_services.membership_update(actor=superuser, membership=lentera_membership, active=False)
    assert api.get(f"/api/v1/cases/{accepted_case.pk}/").status_code == 404

    replay = api.post(url, {"to": "assessed"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replay.status_code == 404
    assert not [value for value in [accepted_case.number, *PERSON.values()] if value in replay.content.decode()]


def test_a_retried_intake_refused_for_a_known_nik_no_longer_names_the_case_once_it_is_out_of_scope(
    world, accepted_case, lentera_app
):
    # The person of the case referred to Lentera is known by her NIK: Lentera's intake of her is refused, naming
    # her case (Lentera sees it). Then she withdraws her consent to share with Lentera.
    _client, api = lentera_app
    case_services.person_update(actor=world.staff, person=accepted_case.person, nik=INTAKE["nik"])
    first = api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 409
    assert accepted_case.number in first.content.decode()
    withdraw_sharing_with_lentera(world, accepted_case)

    retry = api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert retry.status_code == 409
    assert "Idempotent-Replayed" not in retry  # a refusal wrote nothing: it is judged again, not replayed
    assert accepted_case.number not in retry.content.decode()


# A replay in scope answers the stored reply, and is logged like a read


@pytest.mark.parametrize("write", WRITES)
def test_a_replayed_write_still_in_scope_answers_the_stored_reply_and_is_logged_like_a_read(
    world, accepted_case, lentera_app, write
):
    client, api = lentera_app
    url, body = _writes_on(world, accepted_case)[write]
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code in (200, 201), first.content
    if write == "enrollment":
        action, shown = ENROLLMENT_READ, first.json()["id"]
    else:
        action, shown = CASE_READ, accepted_case.pk
    logged = _reads_logged(client, action, shown)
    notes = CaseNote.objects.count()
    enrollments = Enrollment.objects.count()

    replay = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replay.status_code == first.status_code
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert _reads_logged(client, action, shown) == logged + 1
    assert (CaseNote.objects.count(), Enrollment.objects.count()) == (notes, enrollments)


def test_a_replayed_intake_is_logged_as_a_read_of_the_case_it_shows(lentera_app):
    client, api = lentera_app
    first = api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    case_id = first.json()["case"]["id"]
    logged = _reads_logged(client, CASE_READ, case_id)

    replay = api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert _reads_logged(client, CASE_READ, case_id) == logged + 1
    assert Person.objects.filter(full_name=PERSON["full_name"]).count() == 1


# The stored reply holds no personal data in clear


def _stored_rows_as_text() -> str:
    # The table as the database holds it, every column, read past the model (which may decrypt).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(r)::text FROM {IdempotencyRecord._meta.db_table} r")  # noqa: S608
        return "\n".join(row for (row,) in cursor.fetchall())


def test_a_stored_intake_reply_holds_no_name_phone_address_nor_nik_in_clear(lentera_api):
    lentera_api.post("/api/v1/intake/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    stored = _stored_rows_as_text()

    assert stored  # the reply is kept, for the retry
    assert not [value for value in [*PERSON.values(), INTAKE["known_as"], INTAKE["nik"]] if value in stored]


@pytest.mark.parametrize("write", ["stage_move", "assessment", "note", "enrollment"])
def test_a_stored_reply_to_a_write_on_a_case_holds_no_personal_value_in_clear(world, accepted_case, lentera_app, write):
    _client, api = lentera_app
    url, body = _writes_on(world, accepted_case)[write]
    assert api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code in (200, 201)

    stored = _stored_rows_as_text()

    assert stored
    assert not [value for value in _values_of(accepted_case) if value in stored]
