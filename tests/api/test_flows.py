"""The worked example an NGO follows (issue 6 §7): intake → assessment → plan → enrollment into an open batch of
its district → (the office runs and completes the batch) → the follow-ups due → a visit recorded.

Plus the documentation: the OpenAPI schema and Swagger UI.
"""

import datetime
import re

import pytest
from django.utils import timezone

from agencies.models import Role
from cases.models import Case
from programs import services as program_services
from programs.models import Batch, FollowUp
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

from .test_access_table import TABLE

INTAKE = {
    "full_name": "Sri Wahyuni",
    "known_as": "Yuni",
    "nik": "3374014501900001",
    "birth_date": "1990-01-05",
    "sex": "F",
    "phone": "081234567890",
    "home_region": "33.74",
    "target_group": 10,
    "processing_consent_on": "2026-01-05",
}


@pytest.fixture
def batch_of_the_district(world) -> Batch:
    """A five-day sewing batch of Semarang's, open for enrollment; its days are already behind us, so the office
    can record attendance and complete it within the test."""
    program = ProgramFactory(organizer=world.semarang, name="Pelatihan menjahit alih profesi")
    batch = BatchFactory(program=program, number=1, starts_on=days_from_today(-12), capacity=30)
    for day in range(5):
        SessionFactory(batch=batch, date=batch.starts_on + datetime.timedelta(days=day))
    return batch


def office_runs_and_completes(staff, batch: Batch) -> None:
    """What the district office does in the admin, through programs.services: start, attendance, completion."""
    program_services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    roster = {enrollment.pk: True for enrollment in batch.enrollments.all()}
    for session in batch.sessions.all():
        program_services.attendance_record(actor=staff, session=session, present=roster)
    program_services.batch_complete(actor=staff, batch=batch)


def worked_example(client, world, batch: Batch, *, step_by_step: bool) -> None:
    today = timezone.localdate().isoformat()

    # 1. Intake: one POST registers the person and opens the case, owned by the NGO's district.
    intake = client.post("/api/v1/intake/", INTAKE, format="json")
    assert intake.status_code == 201, intake.content
    case = intake.json()["case"]
    assert case["stage"] == Case.Stage.REGISTERED
    assert case["owner"] == world.semarang.pk
    assert case["person"]["nik"] == "3374**********01"  # masked on the way out
    case_url = f"/api/v1/cases/{case['id']}/"

    # 2. Assessment, then the plan: step by step, or skipping the assessment stage with a recorded reason.
    if step_by_step:
        assessment = client.post(
            f"{case_url}assessments/",
            {"assessed_on": today, "needs": "Modal usaha", "skills_wanted": "Menjahit", "wants_to_go_home": False},
            format="json",
        )
        assert assessment.status_code == 201, assessment.content
        assert client.get(case_url).json()["stage"] == Case.Stage.ASSESSED
        planned = client.post(f"{case_url}stage/", {"to": "planned"}, format="json")
    else:
        skipped = client.post(f"{case_url}stage/", {"to": "planned"}, format="json")
        assert "reason" in skipped.json()["errors"]
        planned = client.post(
            f"{case_url}stage/", {"to": "planned", "reason": "Asesmen lengkap saat pendataan"}, format="json"
        )
    assert planned.status_code == 200, planned.content
    assert planned.json()["stage"] == Case.Stage.PLANNED

    # 3. Enrollment into an open batch of the district: a place, and the intervention starts.
    open_batches = client.get("/api/v1/batches/", {"status": "open"}).json()["results"]
    assert batch.pk in {row["id"] for row in open_batches}
    enrollment = client.post("/api/v1/enrollments/", {"batch": batch.pk, "case": case["id"]}, format="json")
    assert enrollment.status_code == 201, enrollment.content
    assert enrollment.json()["status"] == "enrolled"
    assert client.get(case_url).json()["stage"] == Case.Stage.IN_INTERVENTION

    # 4. The office runs the batch and completes it; completion schedules the follow-ups.
    office_runs_and_completes(world.staff, batch)
    assert client.get(f"/api/v1/enrollments/{enrollment.json()['id']}/").json()["status"] == "completed"

    # 5. The follow-ups due are listed for the NGO...
    due = client.get("/api/v1/follow-ups/", {"open": "true", "case": case["id"]}).json()["results"]
    assert [row["offset_days"] for row in due] == batch.program.follow_up_offsets
    assert all(row["done_on"] is None and row["overdue"] is False for row in due)

    # 6. ...and a visit closes the first one.
    first = due[0]
    visit = client.post(
        f"/api/v1/follow-ups/{first['id']}/visit/",
        {
            "recorded_on": today,
            "site_status": "left_site",
            "business_started": True,
            "business_type": "Jahit permak",
            "income_band": "below_1m",
            "bpjs_enrolled": True,
        },
        format="json",
    )
    assert visit.status_code == 201, visit.content
    assert client.get(f"/api/v1/follow-ups/{first['id']}/").json()["done_on"] == today
    still_due = client.get("/api/v1/follow-ups/", {"open": "true", "case": case["id"]}).json()["results"]
    assert first["id"] not in {row["id"] for row in still_due}
    assert FollowUp.objects.get(pk=first["id"]).done_on == timezone.localdate()


def test_an_ngo_field_app_with_a_token_goes_from_intake_to_a_follow_up_visit(world, lentera_api, batch_of_the_district):
    worked_example(lentera_api, world, batch_of_the_district, step_by_step=True)


def test_an_ngo_caseworker_signed_in_goes_from_intake_to_a_follow_up_visit(world, as_user, batch_of_the_district):
    worked_example(as_user(Role.NGO_CASEWORKER, world.lentera), world, batch_of_the_district, step_by_step=True)


def test_an_ngo_caseworker_may_skip_the_assessment_stage_with_a_reason(world, as_user, batch_of_the_district):
    worked_example(as_user(Role.NGO_CASEWORKER, world.lentera), world, batch_of_the_district, step_by_step=False)


def test_a_token_registers_plans_and_records_a_sharing_consent_beside_the_intakes_processing_consent(
    world, lentera_api
):
    case = lentera_api.post("/api/v1/intake/", INTAKE, format="json").json()["case"]
    case_url = f"/api/v1/cases/{case['id']}/"

    planned = lentera_api.post(f"{case_url}stage/", {"to": "planned", "reason": "Asesmen di lapangan"}, format="json")
    consent = lentera_api.post(
        f"{case_url}consents/", {"purpose": "sharing", "agency": world.dinkes.pk, "given_on": "2026-01-05"}
    )

    assert planned.json()["stage"] == Case.Stage.PLANNED
    assert consent.status_code == 201
    assert {row["purpose"] for row in lentera_api.get(f"{case_url}consents/").json()} == {"processing", "sharing"}


# Documentation


def test_the_schema_is_served_to_a_signed_in_staff_member(world, staff_api):
    response = staff_api.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiClientToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API client token (`rhb_<key id>_<secret>`), issued once by province staff.",
    }


def test_the_schema_documents_every_endpoint_and_method_of_the_table(world, staff_api):
    paths = staff_api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]

    # Path parameters by position, not name: the table names rows of its world ({own_case}), the schema names the
    # route's own parameters ({id}, {assessment_id}, {code}).
    def shape(path: str) -> str:
        return re.sub(r"\{\w+\}", "{}", path).replace("/regions/33/", "/regions/{}/")

    documented = {(shape(path), method.upper()) for path, operations in paths.items() for method in operations}
    for method, url, _body, _expected in TABLE:
        if url == "/api/v1/":
            continue  # the API root is not part of the contract
        assert (shape(url), method) in documented


def test_swagger_ui_is_served_to_a_signed_in_staff_member(world, staff_api):
    response = staff_api.get("/api/v1/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    # Its files come from this server: offices work on networks that filter CDNs.
    assert "cdn" not in page.lower() and "https://" not in page
