"""The case pages staff work in: intake, search, the case page and its buttons, and what each read leaves behind."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, AuditEvent, Role
from cases import intake, services
from cases.models import Assessment, Case, CaseNote, Consent, Person, Referral, TargetGroup
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import TUNA_SUSILA, CaseFactory, ConsentFactory, ReferralFactory, SiteFactory

pytestmark = pytest.mark.django_db

NIK = "3510014501900001"


@pytest.fixture
def registered(banyuwangi_staff):
    return intake.case_register(
        actor=banyuwangi_staff,
        full_name="Siti Aminah",
        sex="F",
        nik=NIK,
        phone="081234567890",
        birth_date=datetime.date(1990, 1, 5),
        target_group=TargetGroup.objects.get(code=TUNA_SUSILA),
        site=SiteFactory(name="Gempol Porong"),
    ).case


def _intake_form(**overrides):
    return {
        "full_name": "Dewi Lestari",
        "sex": "F",
        "nik": "3510015203910002",
        "birth_date": "1991-03-12",
        "target_group": TUNA_SUSILA,
        "home_region": "35.10",
        "processing_consent_on": "2026-11-01",
        **overrides,
    }


def _case_page_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert response.status_code == 200
    return len(queries)


def test_the_case_page_needs_a_bounded_number_of_queries(staff_client, registered, banyuwangi):
    few = _case_page_queries(staff_client, registered)
    for i in range(10):
        CaseNote.objects.create(case=registered, body=f"Kunjungan {i}", agency=banyuwangi)
        ConsentFactory(person=registered.person, agency=AgencyFactory())
        ReferralFactory(case=registered, status=Referral.Status.DECLINED, decline_reason="Penuh")

    many = _case_page_queries(staff_client, registered)

    assert many == few
    assert many <= 40


def test_the_case_page_masks_the_nik_and_logs_the_view(staff_client, registered):
    page = staff_client.get(f"/admin/cases/case/{registered.pk}/change/").content.decode()

    assert "3510**********01" in page
    assert NIK not in page
    assert AuditEvent.objects.filter(action="cases.case.viewed", target_id=str(registered.pk)).count() == 1


def test_revealing_the_nik_shows_it_once_and_records_who_asked(staff_client, banyuwangi_staff, registered):
    response = staff_client.post(f"/admin/cases/case/{registered.pk}/reveal-nik/")

    assert NIK in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="cases.person.nik_revealed")
    assert (event.actor_user, event.target_id) == (banyuwangi_staff, str(registered.person.pk))


def test_the_case_list_is_logged_once_per_request(staff_client, registered):
    response = staff_client.get("/admin/cases/case/")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="cases.case.listed")
    assert event.data == {"count": 1}


def _searched(client, term):
    searched = client.post("/admin/cases/case/search/", {"q": term})
    return client.get(searched["Location"]).context["cl"].result_list


def test_searching_a_full_nik_finds_the_case_through_the_hash(staff_client, registered):
    found = _searched(staff_client, NIK)
    partial = _searched(staff_client, NIK[:8])

    assert list(found) == [registered]
    assert list(partial) == []


def test_searching_by_case_number(staff_client, registered):
    found = _searched(staff_client, registered.number)

    assert list(found) == [registered]


def test_intake_from_the_admin_registers_a_case(staff_client, banyuwangi):
    response = staff_client.post("/admin/cases/case/add/", _intake_form())

    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.owner, case.stage, case.person.full_name) == (banyuwangi, Case.Stage.REGISTERED, "Dewi Lestari")
    assert Consent.objects.filter(person=case.person, purpose=Consent.Purpose.PROCESSING).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"nik": "35100152039100"}, "nik", id="nik-too-short"),
        pytest.param({"birth_date": "2999-01-01"}, "birth_date", id="born-in-the-future"),
        pytest.param({"home_region": "99.99"}, "home_region", id="unknown-region"),
        pytest.param({"full_name": ""}, "full_name", id="no-name"),
    ],
)
def test_bad_intake_names_the_field_and_saves_nothing(staff_client, overrides, field):
    response = staff_client.post("/admin/cases/case/add/", _intake_form(**overrides))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Person.objects.exists()
    assert not Case.objects.exists()


def test_an_intake_for_a_nik_registered_elsewhere_says_so_without_details(signed_in, registered):
    semarang = AgencyFactory(name="Dinas Sosial Kota Semarang", region=RegionFactory(code="33.74"))
    client = signed_in(MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user)

    response = client.post("/admin/cases/case/add/", _intake_form(nik=NIK))

    errors = str(response.context["adminform"].form.errors["nik"])
    assert "kabupaten/kota lain" in errors
    assert registered.number not in errors and "Banyuwangi" not in errors and "Siti" not in errors
    assert Person.objects.count() == 1


def test_a_stage_skip_without_a_reason_is_refused_on_the_form(staff_client, registered):
    response = staff_client.post(f"/admin/cases/case/{registered.pk}/move/", {"to": Case.Stage.PLANNED})

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    registered.refresh_from_db()
    assert registered.stage == Case.Stage.REGISTERED


def test_a_stage_move_from_the_case_page(staff_client, registered):
    response = staff_client.post(f"/admin/cases/case/{registered.pk}/move/", {"to": Case.Stage.ASSESSED})

    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.stage == Case.Stage.ASSESSED


def test_a_referral_without_consent_is_refused_on_the_form(staff_client, registered):
    dinkes = AgencyFactory(kind=Agency.Kind.HEALTH, region=RegionFactory(code="35.10"))

    response = staff_client.post(
        f"/admin/cases/case/{registered.pk}/refer/",
        {"to_agency": dinkes.pk, "kind": Referral.Kind.HEALTH_CHECK, "reason": "Cek kesehatan"},
    )

    assert "to_agency" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_a_note_added_from_the_case_page_goes_through_the_service(staff_client, registered, banyuwangi):
    page = staff_client.get(f"/admin/cases/case/{registered.pk}/change/").content.decode()
    assert f'href="/admin/cases/case/{registered.pk}/note/"' in page

    response = staff_client.post(f"/admin/cases/case/{registered.pk}/note/", {"body": "Sudah membuka warung."})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases/case/{registered.pk}/change/"
    note = CaseNote.objects.get()
    assert (note.body, note.agency) == ("Sudah membuka warung.", banyuwangi)
    assert AuditEvent.objects.filter(action="cases.case_note.added").exists()
    assert "Sudah membuka warung." in staff_client.get(response["Location"]).content.decode()


def test_an_empty_note_is_refused_on_its_form(staff_client, registered):
    response = staff_client.post(f"/admin/cases/case/{registered.pk}/note/", {"body": ""})

    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert not CaseNote.objects.exists()


def test_an_assessment_recorded_from_the_case_page_assesses_a_registered_case(staff_client, registered):
    page = staff_client.get(f"/admin/cases/case/{registered.pk}/change/").content.decode()
    assert f'href="/admin/cases/case/{registered.pk}/assess/"' in page

    response = staff_client.post(
        f"/admin/cases/case/{registered.pk}/assess/",
        {"assessed_on": "01-11-2026", "needs": "Modal usaha", "skills_wanted": "menjahit", "wants_to_go_home": "true"},
    )

    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.needs, assessment.skills_wanted) == ("Modal usaha", "menjahit")
    assert assessment.wants_to_go_home is True
    assert Case.objects.get(pk=registered.pk).stage == Case.Stage.ASSESSED


def test_an_assessment_dated_tomorrow_is_refused_on_its_form(staff_client, registered):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = staff_client.post(f"/admin/cases/case/{registered.pk}/assess/", {"assessed_on": tomorrow.isoformat()})

    assert response.status_code == 200
    assert "assessed_on" in response.context["form"].errors
    assert not Assessment.objects.exists()


def test_a_read_only_viewer_gets_no_note_or_assessment_form(signed_in, registered):
    auditor = MembershipFactory(role=Role.AUDITOR, agency=AgencyFactory(province_office=True, region__code="35")).user
    client = signed_in(auditor)

    page = client.get(f"/admin/cases/case/{registered.pk}/change/").content.decode()
    response = client.post(f"/admin/cases/case/{registered.pk}/note/", {"body": "Catatan"})

    assert "/note/" not in page and "/assess/" not in page
    assert response.status_code == 200 and response.context["form"].non_field_errors()  # the service refuses
    assert not CaseNote.objects.exists()


def test_another_district_case_page_looks_like_a_missing_one(signed_in, registered):
    semarang = AgencyFactory(region=RegionFactory(code="33.74"))
    client = signed_in(MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user)

    elsewhere = client.get(f"/admin/cases/case/{registered.pk}/change/")
    missing = client.get("/admin/cases/case/999999/change/")

    assert elsewhere.status_code == missing.status_code == 302
    assert client.get(f"/admin/cases/case/{registered.pk}/move/").status_code == 404


def test_the_admin_history_names_cases_by_number_only(staff_client, registered):
    staff_client.post(f"/admin/cases/case/{registered.pk}/move/", {"to": Case.Stage.ASSESSED})
    staff_client.post("/admin/cases/case/add/", _intake_form())

    assert all("Siti" not in e.object_repr and "Dewi" not in e.object_repr for e in LogEntry.objects.all())


def test_partner_trainers_do_not_get_the_case_list_without_a_referral(signed_in):
    CaseFactory()
    client = signed_in(MembershipFactory(role=Role.PARTNER_TRAINER).user)

    response = client.get("/admin/cases/case/")

    assert list(response.context["cl"].result_list) == []


def test_correcting_a_persons_nik_goes_through_the_service_and_is_logged(staff_client, registered):
    person = registered.person
    form = {
        "full_name": "Siti Aminah",
        "sex": "F",
        "birth_date": "1990-01-05",
        "birth_year": 1990,
        "phone": "081234567890",
        "current_site": person.current_site_id,
        "new_nik": "3510014501900002",
    }

    page = staff_client.get(f"/admin/cases/person/{person.pk}/change/").content.decode()
    response = staff_client.post(f"/admin/cases/person/{person.pk}/change/", form)

    assert NIK not in page and "3510**********01" in page
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.nik == "3510014501900002"
    event = AuditEvent.objects.get(action="cases.person.updated")
    assert event.data == {"fields": ["nik"]}
    assert AuditEvent.objects.filter(action="cases.person.viewed").exists()


def test_the_case_page_can_unassign_the_caseworker(staff_client, banyuwangi_staff, registered):
    services.case_assign(actor=banyuwangi_staff, case=registered, caseworker=banyuwangi_staff)
    response = staff_client.post(f"/admin/cases/case/{registered.pk}/change/", {"caseworker": ""})

    assert response.status_code == 302
    assert Case.objects.get(pk=registered.pk).caseworker is None


def test_a_read_only_viewer_of_a_person_sees_no_box_for_a_new_nik(signed_in, registered):
    auditor = MembershipFactory(role=Role.AUDITOR, agency=AgencyFactory(province_office=True, region__code="35")).user

    response = signed_in(auditor).get(f"/admin/cases/person/{registered.person_id}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "3510**********01" in page
    assert "None" not in page and "new_nik" not in page


def test_the_case_list_with_facet_counts_needs_a_bounded_number_of_queries(staff_client, registered, banyuwangi):
    for _ in range(3):
        CaseFactory(owner=banyuwangi, site=SiteFactory())

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/cases/case/", {"_facets": "True"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 4
    assert len(queries) <= 25
