"""Offline-safe editing (issue 13, last section; DESIGN §8 "offline edits must not silently overwrite"): a person's
details, a case's caseworker, an assessment and a follow-up visit are edited with PATCH and the ETag the app read.
Without If-Match: 428. With a version that is no longer current: 412, and the change made since stays. With the
current one: 200, the new ETag. Outsiders get 404, read-only tokens 403, a bad field 400 naming it. A read sent
with If-None-Match naming the current version answers 304 with no body.
"""

import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import ApiClient, AuditEvent, Role
from cases import services as case_services
from cases.models import Assessment, Case, Person
from programs import services as program_services
from programs.models import Outcome

from .helpers import PROBLEM
from .test_errors import problem

NOWHERE = 999_999_999


@dataclass
class Rows:
    """The rows the edits change, beside the world: an assessment of Lentera's case, its recorded visit, a Lentera
    caseworker, and the other district's assessment and visit (outside Lentera's scope)."""

    assessment: Assessment
    lentera_worker: object
    stranger: object  # staff of the other district: may never be a caseworker of Lentera's case
    other_assessment: Assessment


@pytest.fixture
def rows(world, member) -> Rows:
    today = timezone.localdate()
    assessment = case_services.assessment_record(
        actor=world.staff, case=world.own_case, assessed_on=today, needs="Modal usaha"
    )
    program_services.follow_up_record(
        actor=world.staff, follow_up=world.follow_up, recorded_on=today, site_status="left_site"
    )
    Outcome.objects.create(
        follow_up=world.other_follow_up, case=world.other_case, recorded_on=today, site_status="left_site"
    )
    return Rows(
        assessment=assessment,
        lentera_worker=member(Role.NGO_CASEWORKER, agency=world.lentera),
        stranger=member(Role.DISTRICT_STAFF, agency=world.purbalingga),
        other_assessment=Assessment.objects.create(case=world.other_case, assessed_on=today),
    )


@dataclass(frozen=True)
class Edit:
    name: str
    url: str  # with {case}, {assessment}, {follow_up}
    outsider_url: str  # the same edit of the other district's row
    first: dict  # a change; "#name" values are ids from `_ids`
    second: dict  # another change of the same field
    field: str  # the field both change, as `current` reads it
    refused: dict  # a change the field checks refuse
    refused_field: str

    def current(self, world, rows):
        """The value of `field` in the database now."""
        if self.name == "person":
            return getattr(Person.objects.get(pk=world.own_case.person_id), self.field)
        if self.name == "case":
            return Case.objects.get(pk=world.own_case.pk).caseworker_id
        if self.name == "assessment":
            return getattr(Assessment.objects.get(pk=rows.assessment.pk), self.field)
        return getattr(Outcome.objects.get(follow_up=world.follow_up), self.field)


EDITS = [
    Edit(
        "person",
        "/api/v1/cases/{case}/person/",
        "/api/v1/cases/{other_case}/person/",
        {"known_as": "Wati"},
        {"known_as": "Yuni"},
        "known_as",
        {"sex": "X"},
        "sex",
    ),
    Edit(
        "case",
        "/api/v1/cases/{case}/",
        "/api/v1/cases/{other_case}/",
        {"caseworker": "#lentera_worker"},
        {"caseworker": None},
        "caseworker",
        {"caseworker": "#stranger"},
        "caseworker",
    ),
    Edit(
        "assessment",
        "/api/v1/cases/{case}/assessments/{assessment}/",
        "/api/v1/cases/{other_case}/assessments/{other_assessment}/",
        {"business_idea": "Warung makan"},
        {"business_idea": "Salon"},
        "business_idea",
        {"assessed_on": "kemarin"},
        "assessed_on",
    ),
    Edit(
        "visit",
        "/api/v1/follow-ups/{follow_up}/visit/",
        "/api/v1/follow-ups/{other_follow_up}/visit/",
        {"business_started": True, "business_type": "Warung makan"},
        {"business_started": True, "business_type": "Salon"},
        "business_type",
        {"site_status": "gone"},
        "site_status",
    ),
]


def _ids(world, rows) -> dict:
    return {
        "case": world.own_case.pk,
        "other_case": world.other_case.pk,
        "assessment": rows.assessment.pk,
        "other_assessment": rows.other_assessment.pk,
        "follow_up": world.follow_up.pk,
        "other_follow_up": world.other_follow_up.pk,
        "lentera_worker": rows.lentera_worker.pk,
        "stranger": rows.stranger.pk,
    }


def _body(change: dict, ids: dict) -> dict:
    return {key: ids[v[1:]] if isinstance(v, str) and v.startswith("#") else v for key, v in change.items()}


def _expected(edit: Edit, change: dict, ids: dict):
    return _body(change, ids)[edit.field]


def _etag(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


by_name = pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.name)


@by_name
def test_an_edit_without_if_match_is_428_and_changes_nothing(world, rows, lentera_api, edit):
    ids = _ids(world, rows)
    before = edit.current(world, rows)

    response = lentera_api.patch(edit.url.format(**ids), _body(edit.first, ids), format="json")

    assert problem(response, 428)
    assert edit.current(world, rows) == before


@by_name
def test_an_edit_with_a_stale_etag_is_412_and_the_change_made_since_stays(world, rows, lentera_api, edit):
    ids = _ids(world, rows)
    url = edit.url.format(**ids)
    read = _etag(lentera_api, url)
    # Another device edits first, with the same version.
    assert lentera_api.patch(url, _body(edit.first, ids), format="json", HTTP_IF_MATCH=read).status_code == 200

    response = lentera_api.patch(url, _body(edit.second, ids), format="json", HTTP_IF_MATCH=read)

    assert problem(response, 412)
    assert edit.current(world, rows) == _expected(edit, edit.first, ids)


@by_name
def test_an_edit_with_the_current_etag_is_200_with_the_new_etag_a_read_then_gives(world, rows, lentera_api, edit):
    ids = _ids(world, rows)
    url = edit.url.format(**ids)
    read = _etag(lentera_api, url)

    response = lentera_api.patch(url, _body(edit.first, ids), format="json", HTTP_IF_MATCH=read)

    assert response.status_code == 200, response.content
    assert edit.current(world, rows) == _expected(edit, edit.first, ids)
    assert response["ETag"] != read
    assert response["ETag"] == _etag(lentera_api, url)


@by_name
def test_an_edit_of_another_districts_row_is_404(world, rows, lentera_api, edit):
    ids = _ids(world, rows)

    response = lentera_api.patch(
        edit.outsider_url.format(**ids), _body(edit.first, ids), format="json", HTTP_IF_MATCH="*"
    )

    assert problem(response, 404)


@by_name
def test_a_read_only_token_may_not_edit(world, rows, lentera_api, as_token, edit):
    ids = _ids(world, rows)
    url = edit.url.format(**ids)
    read = _etag(lentera_api, url)
    before = edit.current(world, rows)

    response = as_token(world.lentera, ApiClient.Scope.READ).patch(
        url, _body(edit.first, ids), format="json", HTTP_IF_MATCH=read
    )

    assert problem(response, 403)
    assert edit.current(world, rows) == before


@by_name
def test_an_edit_refused_for_a_field_is_400_naming_it_and_changes_nothing(world, rows, lentera_api, edit):
    ids = _ids(world, rows)
    url = edit.url.format(**ids)
    read = _etag(lentera_api, url)

    response = lentera_api.patch(url, _body(edit.refused, ids), format="json", HTTP_IF_MATCH=read)

    assert edit.refused_field in problem(response, 400)["errors"]
    assert _etag(lentera_api, url) == read


# What each edit answers.


def test_a_person_edit_answers_the_person_as_read_and_the_nik_warnings(world, rows, lentera_api):
    url = f"/api/v1/cases/{world.own_case.pk}/person/"
    read = _etag(lentera_api, url)

    # A man's NIK (day of birth below 40) for a woman: saved, with a warning to check it.
    response = lentera_api.patch(url, {"nik": "3374010501900001"}, format="json", HTTP_IF_MATCH=read)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"person", "warnings"}
    assert body["person"] == lentera_api.get(url).json()
    assert body["person"]["nik"] == "3374**********01"
    assert body["warnings"]


def test_a_caseworker_edit_answers_the_case_as_its_detail_shows_it(world, rows, lentera_api):
    url = f"/api/v1/cases/{world.own_case.pk}/"
    read = _etag(lentera_api, url)

    response = lentera_api.patch(url, {"caseworker": rows.lentera_worker.pk}, format="json", HTTP_IF_MATCH=read)

    assert response.status_code == 200, response.content
    detail = lentera_api.get(url)
    assert response.json() == detail.json()
    assert response.json()["caseworker"] == rows.lentera_worker.pk
    assert response["ETag"] == detail["ETag"]


def test_a_caseworker_outside_the_cases_offices_and_one_that_does_not_exist_are_refused_alike(world, rows, lentera_api):
    url = f"/api/v1/cases/{world.own_case.pk}/"

    stranger = lentera_api.patch(url, {"caseworker": rows.stranger.pk}, format="json", HTTP_IF_MATCH="*")
    nobody = lentera_api.patch(url, {"caseworker": NOWHERE}, format="json", HTTP_IF_MATCH="*")

    assert (stranger.status_code, stranger.json()) == (nobody.status_code, nobody.json())
    assert "caseworker" in problem(stranger, 400)["errors"]


def test_a_case_edit_must_name_the_caseworker(world, rows, lentera_api):
    response = lentera_api.patch(f"/api/v1/cases/{world.own_case.pk}/", {}, format="json", HTTP_IF_MATCH="*")

    assert "caseworker" in problem(response, 400)["errors"]


def test_another_cases_assessment_is_404_under_this_cases_address(world, rows, lentera_api):
    response = lentera_api.get(f"/api/v1/cases/{world.own_case.pk}/assessments/{rows.other_assessment.pk}/")

    assert problem(response, 404)


@pytest.mark.parametrize("assessment", ["abc", "9" * 25])
def test_an_assessment_address_that_is_no_id_is_404(world, lentera_api, assessment):
    assert problem(lentera_api.get(f"/api/v1/cases/{world.own_case.pk}/assessments/{assessment}/"), 404)


def test_a_visit_not_recorded_yet_is_404_and_its_edit_is_refused(world, lentera_api):
    url = f"/api/v1/follow-ups/{world.follow_up.pk}/visit/"

    assert problem(lentera_api.get(url), 404)
    assert (
        "follow_up"
        in problem(lentera_api.patch(url, {"business_type": "Salon"}, format="json", HTTP_IF_MATCH="*"), 400)["errors"]
    )


def test_a_recorded_visit_answers_with_the_follow_ups_etag(world, staff_api):
    url = f"/api/v1/follow-ups/{world.follow_up.pk}/visit/"

    recorded = staff_api.post(url, {"recorded_on": timezone.localdate(), "site_status": "left_site"}, format="json")

    assert recorded.status_code == 201, recorded.content
    assert recorded["ETag"] == _etag(staff_api, url) == _etag(staff_api, f"/api/v1/follow-ups/{world.follow_up.pk}/")


def test_the_person_read_is_in_the_access_log(world, lentera_api):
    before = AuditEvent.objects.filter(action="cases.case.read_by_api").count()

    lentera_api.get(f"/api/v1/cases/{world.own_case.pk}/person/")

    assert AuditEvent.objects.filter(action="cases.case.read_by_api").count() == before + 1


# Reads with If-None-Match.

READS = [
    "/api/v1/cases/{case}/",
    "/api/v1/cases/{case}/person/",
    "/api/v1/cases/{case}/assessments/{assessment}/",
    "/api/v1/follow-ups/{follow_up}/visit/",
    "/api/v1/follow-ups/{follow_up}/",
]


@pytest.mark.parametrize("url", READS)
def test_a_read_sent_with_the_current_etag_is_304_without_a_body(world, rows, lentera_api, url):
    url = url.format(**_ids(world, rows))
    read = _etag(lentera_api, url)

    response = lentera_api.get(url, HTTP_IF_NONE_MATCH=read)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == read


@pytest.mark.parametrize("url", READS)
def test_a_read_sent_with_an_old_etag_is_200_with_the_row(world, rows, lentera_api, url):
    url = url.format(**_ids(world, rows))

    response = lentera_api.get(url, HTTP_IF_NONE_MATCH='"1-1"')

    assert response.status_code == 200
    assert response.json()


# The stage move compares If-Match under the case's lock (item 6).


def _wait_until_someone_waits_for_a_lock(seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics are read once per transaction unless cleared: this runs inside the test's transaction.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the stage move never waited for the case's lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stage_move_that_waited_for_the_lock_while_the_case_changed_is_412_and_moves_nothing(
    target_groups, world, as_token
):
    lentera_api = as_token(world.lentera)
    url = f"/api/v1/cases/{world.own_case.pk}/stage/"
    read = _etag(lentera_api, f"/api/v1/cases/{world.own_case.pk}/")
    stage = Case.objects.get(pk=world.own_case.pk).stage  # in intervention: its batch is running
    answers = []

    def move():
        try:
            answers.append(lentera_api.post(url, {"to": "reintegration"}, format="json", HTTP_IF_MATCH=read))
        finally:
            connection.close()

    mover = threading.Thread(target=move)
    with transaction.atomic():
        # Staff hold the case while they change it; the app's move arrives meanwhile, with the version it read.
        Case.objects.select_for_update().get(pk=world.own_case.pk)
        mover.start()
        _wait_until_someone_waits_for_a_lock()
        case_services.case_assign(actor=world.staff, case=world.own_case, caseworker=world.staff)
    mover.join(timeout=30)

    (answer,) = answers
    assert answer.status_code == 412, answer.content
    assert answer["Content-Type"] == PROBLEM
    assert Case.objects.get(pk=world.own_case.pk).stage == stage
