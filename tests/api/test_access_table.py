"""The partner API's access table (issue 6, DESIGN §5): every endpoint of the router × every kind of caller.

The world (tests/api/conftest.py): Kota Semarang's office owns `own_case`, which the NGO Lentera registered and
works on; Purbalingga's office owns `other_case`; Semarang referred one case to Lentera (pending) and another
(accepted, with consent); the police deliver a session of Semarang's running batch, in which `own_case` sits.

Out of scope is 404, never 403 (existence is not revealed); a read-only token is 403 on every POST; a call
without valid credentials is 401 with a `WWW-Authenticate: Bearer` challenge. The API answers JSON only: asked for
HTML (the browsable API's pages once listed every case number and username in their filter forms), every endpoint
is 406 for every caller and writes nothing (issue 13). A replayed write answers as its first request did and
changes nothing; out of scope, a replay is 404 like the GET (tests/api/test_html_and_replays.py).
"""

import pytest
from django.apps import apps
from django.urls import resolve
from django.utils import timezone
from rest_framework.test import APIClient

from agencies import services as agency_services
from agencies.models import ApiClient, AuditEvent, Role, User
from cases import services as case_services
from cases.models import Assessment, Case, Person
from config.urls import router
from programs import services as program_services
from programs.models import FollowUp
from tests.agencies.factories import AgencyFactory
from tests.programs.factories import days_from_today

from .helpers import PROBLEM, bearer

ACTORS = ("ngo_rw", "ngo_read", "partner", "district_staff", "leadership")
UNAUTHENTICATED = ("no_credentials", "revoked_token", "garbage_token")


def today() -> str:
    return timezone.localdate().isoformat()


INTAKE = {"full_name": "Sri Wahyuni", "known_as": "Yuni", "sex": "F", "target_group": 10}

ALL_200 = (200, 200, 200, 200, 200)
ALL_404 = (404, 404, 404, 404, 404)
OWN = (200, 200, 404, 200, 404)  # a read of Lentera's case or of something hanging off it

# (method, url, body, expected for ACTORS). `{name}` in a url is the pk of that row of the world.
TABLE = [
    ("GET", "/api/v1/", None, ALL_200),
    # Reference data: no personal data, readable by every member.
    ("GET", "/api/v1/regions/", None, ALL_200),
    ("GET", "/api/v1/regions/33/", None, ALL_200),
    ("GET", "/api/v1/agencies/", None, ALL_200),
    ("GET", "/api/v1/agencies/{lentera}/", None, ALL_200),
    ("GET", "/api/v1/sites/", None, ALL_200),
    ("GET", "/api/v1/sites/{site}/", None, ALL_200),
    (
        "POST",
        "/api/v1/sites/",
        lambda w: {"name": "Karaoke Gang Baru", "kind": "entertainment_venue", "region": "33.74.01"},
        (201, 403, 403, 201, 403),
    ),
    (
        "POST",
        "/api/v1/sites/{site}/counts/",
        lambda w: {"counted_on": today(), "people_present": 12},
        (201, 403, 403, 201, 403),
    ),
    # Intake: NGOs and district offices register; partners and leadership do not.
    ("POST", "/api/v1/intake/", lambda w: INTAKE, (201, 403, 403, 201, 403)),
    (
        "POST",
        "/api/v1/intake/batch/",
        lambda w: {"rows": [{**INTAKE, "external_id": "pendataan-001"}]},
        (200, 403, 403, 200, 403),
    ),
    # Cases and what hangs off them.
    ("GET", "/api/v1/cases/", None, ALL_200),
    ("GET", "/api/v1/cases/{own_case}/", None, OWN),
    ("GET", "/api/v1/cases/{other_case}/", None, ALL_404),
    ("GET", "/api/v1/cases/{referred_case}/", None, (404, 404, 404, 200, 404)),  # pending referral: not yet
    # Edits send If-Match (here "*": the table is about who, tests/api/test_safe_writes.py about stale versions).
    ("PATCH", "/api/v1/cases/{own_case}/", lambda w: {"caseworker": None}, (200, 403, 404, 200, 404)),
    ("PATCH", "/api/v1/cases/{other_case}/", lambda w: {"caseworker": None}, (404, 403, 404, 404, 404)),
    ("GET", "/api/v1/cases/{own_case}/person/", None, OWN),
    ("GET", "/api/v1/cases/{other_case}/person/", None, ALL_404),
    ("PATCH", "/api/v1/cases/{own_case}/person/", lambda w: {"phone": "081200000001"}, (200, 403, 404, 200, 404)),
    ("PATCH", "/api/v1/cases/{other_case}/person/", lambda w: {"phone": "081200000001"}, (404, 403, 404, 404, 404)),
    ("POST", "/api/v1/cases/{own_case}/stage/", lambda w: {"to": "reintegration"}, (200, 403, 404, 200, 404)),
    ("POST", "/api/v1/cases/{other_case}/stage/", lambda w: {"to": "assessed"}, (404, 403, 404, 404, 404)),
    ("GET", "/api/v1/cases/{own_case}/assessments/", None, OWN),
    ("GET", "/api/v1/cases/{other_case}/assessments/", None, ALL_404),
    ("GET", "/api/v1/cases/{own_case}/assessments/{assessment}/", None, OWN),
    ("GET", "/api/v1/cases/{other_case}/assessments/{assessment}/", None, ALL_404),
    (
        "PATCH",
        "/api/v1/cases/{own_case}/assessments/{assessment}/",
        lambda w: {"needs": "Modal usaha dan pelatihan"},
        (200, 403, 404, 200, 404),
    ),
    (
        "POST",
        "/api/v1/cases/{own_case}/assessments/",
        lambda w: {"assessed_on": today(), "needs": "Modal usaha", "skills_wanted": "Menjahit"},
        (201, 403, 404, 201, 404),
    ),
    ("GET", "/api/v1/cases/{own_case}/notes/", None, OWN),
    ("GET", "/api/v1/cases/{other_case}/notes/", None, ALL_404),
    (
        "POST",
        "/api/v1/cases/{own_case}/notes/",
        lambda w: {"body": "Kunjungan rumah"},
        (201, 403, 404, 201, 404),
    ),
    ("GET", "/api/v1/cases/{own_case}/consents/", None, OWN),
    ("GET", "/api/v1/cases/{other_case}/consents/", None, ALL_404),
    (
        "POST",
        "/api/v1/cases/{own_case}/consents/",
        lambda w: {"purpose": "processing", "given_on": today()},
        (201, 403, 404, 201, 404),
    ),
    # Referrals: both ends see them; only the receiving agency answers.
    ("GET", "/api/v1/referrals/", None, ALL_200),
    ("GET", "/api/v1/referrals/{referred_in}/", None, OWN),
    (
        "POST",
        "/api/v1/referrals/",
        lambda w: {"case": w.own_case.pk, "to_agency": w.dinkes.pk, "kind": "health_check", "reason": "Cek IMS"},
        (201, 403, 404, 201, 404),
    ),
    ("POST", "/api/v1/referrals/{referred_in}/accept/", None, (200, 403, 404, 403, 404)),
    (
        "POST",
        "/api/v1/referrals/{referred_in}/decline/",
        lambda w: {"reason": "Kuota pendampingan penuh"},
        (200, 403, 404, 403, 404),
    ),
    ("POST", "/api/v1/referrals/{referred_accepted}/complete/", None, (200, 403, 404, 200, 404)),
    # The calendar: no personal data, readable by every member.
    ("GET", "/api/v1/programs/", None, ALL_200),
    ("GET", "/api/v1/programs/{program}/", None, ALL_200),
    ("GET", "/api/v1/batches/", None, ALL_200),
    ("GET", "/api/v1/batches/{open_batch}/", None, ALL_200),
    ("GET", "/api/v1/sessions/", None, ALL_200),
    ("GET", "/api/v1/sessions/{past_session}/", None, ALL_200),
    (
        "POST",
        "/api/v1/sessions/{past_session}/attendance/",
        lambda w: {"present": {str(w.enrollment.pk): True}},
        (200, 403, 200, 200, 403),  # the police deliver this session
    ),
    # Rosters: the police see the roster of a batch they deliver a session of (names only).
    ("GET", "/api/v1/enrollments/", None, ALL_200),
    ("GET", "/api/v1/enrollments/{enrollment}/", None, (200, 200, 200, 200, 404)),
    ("GET", "/api/v1/enrollments/{other_enrollment}/", None, ALL_404),
    (
        "POST",
        "/api/v1/enrollments/",
        lambda w: {"batch": w.open_batch.pk, "case": w.own_case.pk},
        (201, 403, 404, 201, 404),
    ),
    ("POST", "/api/v1/enrollments/{enrollment}/withdraw/", None, (200, 403, 403, 200, 404)),
    # Follow-ups.
    ("GET", "/api/v1/follow-ups/", None, ALL_200),
    ("GET", "/api/v1/follow-ups/{follow_up}/", None, OWN),
    ("GET", "/api/v1/follow-ups/{other_follow_up}/", None, ALL_404),
    (
        "POST",
        "/api/v1/follow-ups/{follow_up}/visit/",
        lambda w: {"recorded_on": today(), "site_status": "left_site"},
        (201, 403, 404, 201, 404),
    ),
    ("GET", "/api/v1/follow-ups/{visited_follow_up}/visit/", None, OWN),
    ("GET", "/api/v1/follow-ups/{other_follow_up}/visit/", None, ALL_404),
    (
        "PATCH",
        "/api/v1/follow-ups/{visited_follow_up}/visit/",
        lambda w: {"business_started": True, "business_type": "Warung kelontong"},
        (200, 403, 404, 200, 404),
    ),
    (
        "POST",
        "/api/v1/follow-ups/{other_follow_up}/visit/",
        lambda w: {"recorded_on": today(), "site_status": "left_site"},
        (404, 403, 404, 404, 404),
    ),
    # Money of the cases one may see, read-only.
    ("GET", "/api/v1/entitlements/", None, ALL_200),
    ("GET", "/api/v1/entitlements/{entitlement}/", None, OWN),
    ("GET", "/api/v1/disbursements/", None, ALL_200),
    ("GET", "/api/v1/disbursements/{disbursement}/", None, OWN),
]


def pks(world) -> dict[str, int]:
    return {
        "lentera": world.lentera.pk,
        "site": world.site.pk,
        "own_case": world.own_case.pk,
        "other_case": world.other_case.pk,
        "referred_case": world.referred_in.case_id,
        "referred_in": world.referred_in.pk,
        "referred_accepted": world.referred_accepted.pk,
        "program": world.program.pk,
        "open_batch": world.open_batch.pk,
        "past_session": world.past_session.pk,
        "enrollment": world.enrollment.pk,
        "other_enrollment": world.other_enrollment.pk,
        "follow_up": world.follow_up.pk,
        "other_follow_up": world.other_follow_up.pk,
        "entitlement": world.entitlement.pk,
        "disbursement": world.disbursement.pk,
        "assessment": Assessment.objects.filter(case=world.own_case).earliest("pk").pk,
        "visited_follow_up": FollowUp.objects.filter(case=world.own_case, done_on__isnull=False).earliest("pk").pk,
    }


@pytest.fixture
def world(world):
    """The partner API's world, plus what the edits of the table edit: an assessment of `own_case`, and a second
    follow-up of it whose visit is recorded."""
    case_services.assessment_record(actor=world.staff, case=world.own_case, assessed_on=days_from_today(-3))
    visited = FollowUp.objects.create(
        case=world.own_case, enrollment=world.enrollment, offset_days=90, due_on=days_from_today(-1)
    )
    program_services.follow_up_record(
        actor=world.staff, follow_up=visited, recorded_on=days_from_today(-1), site_status="left_site"
    )
    return world


def _rows():
    for method, url, body, expected in TABLE:
        for actor, status in zip(ACTORS, expected, strict=True):
            yield pytest.param(actor, method, url, body, status, id=f"{actor}:{method} {url}")


def _unauthenticated_rows():
    for method, url, body, _expected in TABLE:
        for actor in UNAUTHENTICATED:
            yield pytest.param(actor, method, url, body, id=f"{actor}:{method} {url}")


@pytest.fixture
def caller(world, api, as_token, as_user, issue_token, superuser):
    """The APIClient of a named actor of the table."""

    def make(actor: str) -> APIClient:
        if actor == "ngo_rw":
            return as_token(world.lentera)
        if actor == "ngo_read":
            return as_token(world.lentera, ApiClient.Scope.READ)
        if actor == "partner":
            return as_token(world.polres)
        if actor == "district_staff":
            return as_user(Role.DISTRICT_STAFF, world.semarang)
        if actor == "leadership":
            return as_user(Role.LEADERSHIP_VIEWER, world.kemensos)
        if actor == "data_protection_officer":
            return as_user(Role.DATA_PROTECTION_OFFICER, world.jateng)
        if actor == "ministry":
            return as_token(world.kemensos)
        if actor == "no_credentials":
            return api
        if actor == "revoked_token":
            client, token = issue_token(world.lentera)
            agency_services.api_client_revoke(actor=superuser, client=client)
            return bearer(token)
        if actor == "garbage_token":
            return bearer("rhb_0123456789ab_not-a-token-anyone-was-given")
        raise ValueError(actor)

    return make


def call(client: APIClient, world, method: str, url: str, body):
    data = body(world) if body else None
    headers = {"HTTP_IF_MATCH": "*"} if method == "PATCH" else {}
    return getattr(client, method.lower())(url.format(**pks(world)), data, format="json", **headers)


@pytest.mark.parametrize(("actor", "method", "url", "body", "expected"), list(_rows()))
def test_access_table(world, caller, actor, method, url, body, expected):
    response = call(caller(actor), world, method, url, body)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(("actor", "method", "url", "body"), list(_unauthenticated_rows()))
def test_calls_without_valid_credentials_are_401_with_a_bearer_challenge(world, caller, actor, method, url, body):
    response = call(caller(actor), world, method, url, body)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == PROBLEM


def _routes_of_the_router() -> set[tuple[str, str]]:
    routes = set()
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None) or {"get": "root"}
        routes |= {(pattern.name, method.upper()) for method in actions if method != "head"}
    return routes


def test_the_table_covers_every_endpoint_and_method_of_the_router():
    covered = {
        (resolve(url.format_map(dict.fromkeys(_placeholders(url), 1)).split("?")[0]).url_name, method)
        for method, url, _body, _expected in TABLE
    }

    assert _routes_of_the_router() - covered == set()


def _placeholders(url: str) -> list[str]:
    return [part.split("}")[0] for part in url.split("{")[1:]]


def test_a_read_only_token_is_told_it_may_only_read(world, caller):
    response = caller("ngo_read").post("/api/v1/intake/", INTAKE, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json()["title"] == "This token may only read."


def test_a_malformed_authorization_header_is_401(world, api):
    api.credentials(HTTP_AUTHORIZATION="Bearer two parts")

    response = api.get("/api/v1/cases/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_person_of_no_active_agency_is_403(world, api, member):
    api.force_login(member(Role.NGO_CASEWORKER, agency=world.lentera, active=False))

    response = api.get("/api/v1/cases/")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_a_token_of_a_deactivated_agency_is_401(world, as_token):
    client = as_token(world.lentera)
    world.lentera.active = False
    world.lentera.save(update_fields=["active"])

    assert client.get("/api/v1/regions/").status_code == 401


# Lists never return rows out of scope.


def _ids(client: APIClient, url: str) -> set:
    response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    assert response.json()["next"] is None
    return {row["id"] for row in response.json()["results"]}


def _expected_lists(world) -> dict[str, dict[str, set]]:
    referred_case, accepted_case = world.referred_in.case_id, world.referred_accepted.case_id
    referrals = {world.referred_in.pk, world.referred_accepted.pk}
    ngo = {
        "/api/v1/cases/": {world.own_case.pk, accepted_case},  # registered, or referred to it and accepted
        "/api/v1/referrals/": referrals,
        "/api/v1/enrollments/": {world.enrollment.pk},
        "/api/v1/follow-ups/": set(FollowUp.objects.filter(case=world.own_case).values_list("pk", flat=True)),
        "/api/v1/entitlements/": {world.entitlement.pk},
        "/api/v1/disbursements/": {world.disbursement.pk},
    }
    nothing = dict.fromkeys(ngo, set())
    return {
        "ngo_rw": ngo,
        "ngo_read": ngo,
        "partner": {**nothing, "/api/v1/enrollments/": {world.enrollment.pk}},
        "district_staff": {**ngo, "/api/v1/cases/": {world.own_case.pk, referred_case, accepted_case}},
        "leadership": nothing,
    }


# The data-protection officer (issue 18 item 11): the registers and the trails, never case content. Through the API
# the officer answers every endpoint exactly as leadership does (reference data and the calendar, no case, person,
# note, assessment, consent, referral, roster, follow-up or money row; no write), and every list of case content
# is empty. The officer is of the province office above Semarang, whose trail it reads in the admin.


@pytest.fixture
def world_with_province(world):
    world.jateng = AgencyFactory(name="Dinas Sosial Provinsi Jawa Tengah", province_office=True)
    return world


CASE_CONTENT_ROWS = tuple(
    f"/api/v1/{rows}/{{"
    for rows in ("cases", "referrals", "enrollments", "follow-ups", "entitlements", "disbursements")
)


def _officer_rows():
    for method, url, body, expected in TABLE:
        leadership = expected[ACTORS.index("leadership")]
        yield pytest.param(method, url, body, leadership, id=f"data_protection_officer:{method} {url}")


@pytest.mark.parametrize(("method", "url", "body", "expected"), list(_officer_rows()))
def test_the_data_protection_officer_reads_no_case_content_through_the_api(
    world_with_province, caller, method, url, body, expected
):
    response = call(caller("data_protection_officer"), world_with_province, method, url, body)

    assert response.status_code == expected, response.content
    if method == "GET" and url.startswith(CASE_CONTENT_ROWS):
        assert response.status_code == 404  # a row of case content is not found, never forbidden


def test_the_data_protection_officer_s_lists_of_case_content_are_empty(world_with_province, caller):
    client = caller("data_protection_officer")

    seen = {url: _ids(client, url) for url in _expected_lists(world_with_province)["leadership"]}

    assert seen == dict.fromkeys(seen, set())


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_never_return_rows_out_of_scope(world, caller, actor):
    client = caller(actor)

    seen = {url: _ids(client, url) for url in _expected_lists(world)[actor]}

    assert seen == _expected_lists(world)[actor]


def test_an_ngo_tokens_case_list_holds_only_cases_its_agency_registered_or_accepted(world, as_token):
    response = as_token(world.lentera).get("/api/v1/cases/")

    rows = response.json()["results"]
    assert rows
    accepted = {world.referred_accepted.case_id}
    assert all(row["registered_by"] == world.lentera.pk or row["id"] in accepted for row in rows)
    assert world.other_case.pk not in {row["id"] for row in rows}


def test_a_partner_sees_a_roster_with_names_only(world, as_token):
    response = as_token(world.polres).get("/api/v1/enrollments/")

    (row,) = response.json()["results"]
    assert set(row) == {"id", "batch", "case", "case_number", "name", "status", "attendance_rate", "updated_at"}
    assert row["name"] == world.own_case.person.full_name
    assert as_token(world.polres).get(f"/api/v1/cases/{world.own_case.pk}/").status_code == 404


def test_ngo_list_filters_cannot_widen_the_scope(world, as_token):
    client = as_token(world.lentera)

    response = client.get("/api/v1/cases/", {"owner": world.purbalingga.pk})

    assert response.status_code == 200
    assert response.json()["results"] == []


# JSON only (issue 13 §1, §8): the browsable API's pages rendered filter forms whose <select>s held every case number
# and username of the installation, for any token; and a write asking for HTML was saved, then answered 500.

HTML_CALLERS = (*ACTORS, "ministry")
ASKING_FOR_HTML = {
    "format=api": lambda url: (url + ("&" if "?" in url else "?") + "format=api", {}),
    "accept_html": lambda url: (url, {"HTTP_ACCEPT": "text/html"}),
}


def _rows_of_our_apps() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("agencies", "cases", "programs", "funding")
    }


def _values_no_answer_may_show() -> set[str]:
    """Every case number, username and personal value of the installation (what the HTML filter forms listed)."""
    values = set(Case.objects.values_list("number", flat=True)) | set(User.objects.values_list("username", flat=True))
    for person in Person.objects.all():
        values |= {person.full_name, person.known_as, person.phone, person.address}
    return {value for value in values if value}


@pytest.mark.parametrize("asking", list(ASKING_FOR_HTML))
@pytest.mark.parametrize("actor", HTML_CALLERS)
def test_every_endpoint_answers_406_in_json_to_anyone_asking_for_html_and_writes_nothing(world, caller, actor, asking):
    client = caller(actor)
    client.raise_request_exception = False  # a 500 is a finding here, not a crash of the test
    never_shown = _values_no_answer_may_show()
    rows = _rows_of_our_apps()

    wrong = []
    for method, url, body, _expected in TABLE:
        path, headers = ASKING_FOR_HTML[asking](url.format(**pks(world)))
        response = getattr(client, method.lower())(path, body(world) if body else None, format="json", **headers)
        content = response.content.decode(errors="replace")
        if response.status_code != 406 or response["Content-Type"] != PROBLEM:
            wrong.append(f"{method} {path}: {response.status_code} {response['Content-Type']}")
        if shown := sorted(value for value in never_shown if value in content):
            wrong.append(f"{method} {path}: shows {len(shown)} case numbers, usernames or personal values")

    assert wrong == []
    assert _rows_of_our_apps() == rows


# A replay (issue 13 §2): the same key and body answer the first reply again and change nothing more. (A refusal
# before the write ran, e.g. 403 for a read-only token, is not stored: asked again, it is refused again.)

KEYED_WRITES = [(method, url, body) for method, url, body, _expected in TABLE if method != "GET"]


def _rows_besides_the_access_log() -> dict[str, int]:
    return {label: count for label, count in _rows_of_our_apps().items() if label != AuditEvent._meta.label}


@pytest.mark.parametrize("actor", ACTORS)
def test_every_write_replayed_with_its_key_answers_as_the_first_did_and_writes_nothing_more(world, caller, actor):
    client = caller(actor)

    wrong = []
    for number, (method, url, body) in enumerate(KEYED_WRITES):
        path, data, key = url.format(**pks(world)), body(world) if body else None, f"table-row-{number}"
        send = getattr(client, method.lower())
        headers = {"HTTP_IDEMPOTENCY_KEY": key, **({"HTTP_IF_MATCH": "*"} if method == "PATCH" else {})}
        first = send(path, data, format="json", **headers)
        rows = _rows_besides_the_access_log()
        replay = send(path, data, format="json", **headers)
        if (replay.status_code, replay.json()) != (first.status_code, first.json()):
            wrong.append(f"{method} {path}: first {first.status_code}, replay {replay.status_code}")
        elif replay["Content-Type"] != first["Content-Type"]:
            wrong.append(f"{method} {path}: replayed as {replay['Content-Type']}, first as {first['Content-Type']}")
        elif first.status_code < 300 and replay.get("Idempotent-Replayed") != "true":
            wrong.append(f"{method} {path}: the stored reply is not marked Idempotent-Replayed: true")
        if _rows_besides_the_access_log() != rows:
            wrong.append(f"{method} {path}: the replay wrote rows")

    assert wrong == []
