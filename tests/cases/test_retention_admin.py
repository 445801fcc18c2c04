"""The retention register's pages (issue 18 item 9): the officer's "Retensi" shows what is due by case number only,
"Jalankan sekarang" runs the job for her alone, and a hold is placed by number with the same answer for a case
outside her area as for none at all."""

import datetime

import pytest
from django.utils import timezone

from agencies.models import RetentionRun, Role
from cases.models import Case, LegalHold, Person
from tests.cases.factories import CaseFactory, LegalHoldFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(member, jateng):
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


@pytest.fixture
def closed_long_ago(semarang):
    case = CaseFactory(
        owner=semarang,
        stage=Case.Stage.CLOSED,
        close_reason=Case.CloseReason.GOALS_MET,
        person=PersonFactory(full_name="Murniati Rahayu"),
    )
    Case.objects.filter(pk=case.pk).update(stage_changed_at=timezone.now() - datetime.timedelta(days=365 * 6))
    return case


def test_the_officer_reads_what_is_due_by_number_without_the_person(signed_in, dpo, closed_long_ago):
    page = signed_in(dpo).get("/admin/agencies/retentionrun/").content.decode()

    assert "1 kasus di wilayah Anda jatuh tempo sekarang" in page
    assert closed_long_ago.number in page
    assert "Murniati" not in page


def test_run_now_runs_the_job_for_the_officer(signed_in, dpo, closed_long_ago, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(dpo).post("/admin/agencies/retentionrun/run/", follow=True)

    assert "Proses retensi sedang berjalan" in response.content.decode()
    run = RetentionRun.objects.get()
    assert (run.started_by, run.persons_pseudonymized) == (dpo, 1)
    assert Person.objects.get(pk=closed_long_ago.person_id).full_name == "Disamarkan"


def test_nobody_else_runs_it(signed_in, staff, closed_long_ago):
    assert signed_in(staff).post("/admin/agencies/retentionrun/run/").status_code in (403, 404)
    assert not RetentionRun.objects.exists()


def test_the_officer_holds_a_case_by_its_number(signed_in, dpo, closed_long_ago):
    until = (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    response = signed_in(dpo).post(
        "/admin/cases/legalhold/place/",
        {"case_number": closed_long_ago.number, "reason": "Perkara No. 12/Pid.B/2026/PN Smg", "until": until},
        follow=True,
    )

    assert f"Kasus {closed_long_ago.number} ditahan" in response.content.decode()
    assert LegalHold.objects.get().case == closed_long_ago


def test_a_case_outside_her_area_reads_as_no_case_at_all(signed_in, dpo, banyuwangi):
    theirs = CaseFactory(owner=banyuwangi)
    until = (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    client = signed_in(dpo)

    outside = client.post(
        "/admin/cases/legalhold/place/", {"case_number": theirs.number, "reason": "x", "until": until}
    )
    unknown = client.post(
        "/admin/cases/legalhold/place/", {"case_number": "35.10-1999-9", "reason": "x", "until": until}
    )

    for response in (outside, unknown):
        assert "Tidak ada kasus dengan nomor ini di wilayah Anda." in response.content.decode()
    assert not LegalHold.objects.exists()


def test_the_officer_lifts_a_hold_with_a_reason(signed_in, dpo, closed_long_ago):
    hold = LegalHoldFactory(case=closed_long_ago, placed_by=dpo)

    response = signed_in(dpo).post(
        f"/admin/cases/legalhold/{hold.pk}/lift/", {"lift_reason": "Perkara selesai"}, follow=True
    )

    assert "Penahanan telah dicabut." in response.content.decode()
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason) == (dpo, "Perkara selesai")


def test_district_staff_find_no_hold_pages(signed_in, staff, closed_long_ago):
    client = signed_in(staff)
    assert client.get("/admin/cases/legalhold/place/").status_code in (403, 404)
    assert client.get("/admin/cases/legalhold/").status_code in (403, 404)
