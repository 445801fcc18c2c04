"""Staff enroll several cases at once from the case list: the batch picked on a confirmation page, then each case
enrolled by the enrollment service with its own result (enrolled, on the waiting list, or refused and why)."""

import pytest
from django.contrib.messages import get_messages

from agencies.models import Role
from cases.admin import CaseAdmin
from cases.models import Case
from programs.admin import enroll_in_batch
from programs.models import Batch, Enrollment
from tests.cases.factories import CaseFactory
from tests.programs.factories import BatchFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/cases/case/"


@pytest.fixture
def staff_client(signed_in, banyuwangi_staff):
    return signed_in(banyuwangi_staff)


@pytest.fixture
def batch(banyuwangi):
    return BatchFactory(program__organizer=banyuwangi, program__name="Pelatihan Menjahit Banyuwangi", capacity=1)


@pytest.fixture
def cases(banyuwangi):
    """Three planned cases of Banyuwangi, numbered in the order the results are reported."""
    return [CaseFactory(owner=banyuwangi, stage=Case.Stage.PLANNED, number=f"35.10-2026-0000{n}") for n in (1, 2, 3)]


def _choose(client, cases, **extra):
    return client.post(LIST, {"action": "enroll_in_batch", "_selected_action": [c.pk for c in cases], **extra})


def test_the_action_is_programs_offered_on_the_case_list_through_the_seam():
    assert enroll_in_batch in CaseAdmin.actions
    assert enroll_in_batch.__module__ == "programs.admin"


def test_the_case_list_offers_enrolling_the_selected_cases(staff_client, cases):
    page = staff_client.get(LIST).content.decode()

    assert 'value="enroll_in_batch"' in page and "Daftarkan ke angkatan…" in page


def test_choosing_the_action_asks_for_the_batch_and_shows_the_cases_first(staff_client, cases, batch):
    response = _choose(staff_client, cases)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Daftarkan kasus terpilih ke angkatan" in page
    assert all(case.number in page for case in cases)
    assert 'data-model-name="enrollment"' in page and 'data-field-name="batch"' in page
    assert not Enrollment.objects.exists()


def test_each_case_is_enrolled_waitlisted_or_refused_with_its_reason(staff_client, cases, batch):
    Case.objects.filter(pk=cases[2].pk).update(stage=Case.Stage.CLOSED, close_reason=Case.CloseReason.values[0])

    response = _choose(staff_client, cases, batch=batch.pk, post="yes")

    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == [
        f"35.10-2026-00001: terdaftar di {batch}.",
        f"35.10-2026-00002: angkatan penuh, jadi kasus ini masuk daftar tunggu {batch}.",
        "35.10-2026-00003: tidak didaftarkan. Kasus yang sudah ditutup tidak dapat didaftarkan sebagai peserta.",
    ]
    statuses = dict(Enrollment.objects.values_list("case__number", "status"))
    assert statuses == {
        "35.10-2026-00001": Enrollment.Status.ENROLLED,
        "35.10-2026-00002": Enrollment.Status.WAITLISTED,
    }


def test_one_refusal_keeps_the_others_enrolled(staff_client, banyuwangi_staff, cases, batch):
    Batch.objects.filter(pk=batch.pk).update(capacity=5)
    EnrollmentFactory(actor=banyuwangi_staff, batch=batch, case=cases[0])

    response = _choose(staff_client, cases, batch=batch.pk, post="yes")

    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said[0] == "35.10-2026-00001: tidak didaftarkan. Kasus ini sudah terdaftar sebagai peserta angkatan ini."
    assert Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).count() == 3


def test_a_batch_not_open_for_enrollment_is_refused_on_the_field(staff_client, cases, batch):
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING)

    response = _choose(staff_client, cases, batch=batch.pk, post="yes")

    assert response.status_code == 200
    assert response.context["form"].errors["batch"] == ["Pilih angkatan yang dibuka untuk pendaftaran."]
    assert not Enrollment.objects.exists()


def test_the_batch_picker_offers_batches_open_for_enrollment_only(staff_client, batch, banyuwangi):
    BatchFactory(program=batch.program, status=Batch.Status.RUNNING)

    response = staff_client.post(
        "/admin/autocomplete/",
        {"term": "Menjahit", "app_label": "programs", "model_name": "enrollment", "field_name": "batch"},
    )

    assert [row["id"] for row in response.json()["results"]] == [str(batch.pk)]


def test_cases_of_another_office_are_not_enrolled(staff_client, batch, member, semarang):
    theirs = CaseFactory(owner=semarang, stage=Case.Stage.PLANNED)

    _choose(staff_client, [theirs], batch=batch.pk, post="yes")

    assert not Enrollment.objects.exists()


def test_someone_who_may_not_change_cases_is_not_offered_the_action(signed_in, member, banyuwangi, cases):
    client = signed_in(member(Role.AUDITOR, agency=banyuwangi))

    assert "enroll_in_batch" not in client.get(LIST).content.decode()
