"""The admin's personal data incidents (Pelindungan data → Insiden data pribadi): the officer of the jurisdiction
records and handles them, province staff read them (403 on any change), anyone else finds nothing (404); every
page calls a service; bad input comes back on its field; the letters open as a page and as a PDF."""

import datetime

import pytest
from django.utils import timezone

from agencies import incidents
from agencies.models import AuditEvent, Incident, Role
from tests.agencies.factories import RegionFactory
from tests.cases.factories import DistrictOfficeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(member, jateng):
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


@pytest.fixture
def incident(officer, semarang):
    return incidents.incident_record(
        actor=officer,
        agency=semarang,
        title="Laptop pendamping hilang",
        detected_at=timezone.now() - datetime.timedelta(hours=5),
        description="Laptop berisi lembar asesmen hilang di angkutan umum.",
        data_categories=["name", "health"],
    )


def url(incident, step="change"):
    base = f"/admin/agencies/incident/{incident.pk}/"
    return base + ("change/" if step == "change" else f"{step}/")


CONTAIN = {"containment": "Akun laptop dinonaktifkan dari jarak jauh.", "contained_at_0": "05/12/2026"}


def contain_form(when: datetime.datetime) -> dict:
    local = timezone.localtime(when)
    return {**CONTAIN, "contained_at_0": local.strftime("%d/%m/%Y"), "contained_at_1": local.strftime("%H:%M")}


def test_the_officer_records_an_incident_from_the_add_page(signed_in, officer, semarang):
    client = signed_in(officer)
    detected = timezone.localtime(timezone.now() - datetime.timedelta(hours=2))

    response = client.post(
        "/admin/agencies/incident/add/",
        {
            "agency": semarang.pk,
            "title": "Token API tersebar",
            "detected_at_0": detected.strftime("%d/%m/%Y"),
            "detected_at_1": detected.strftime("%H:%M"),
            "description": "Token klien API terkirim ke grup percakapan.",
            "data_categories": ["nik", "sex_work"],
        },
    )

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.agency, incident.status, incident.recorded_by) == (semarang, Incident.Status.OPEN, officer)
    assert incident.data_categories == ["nik", "sex_work"]
    assert AuditEvent.objects.filter(action="agencies.incident.recorded", target_id=str(incident.pk)).exists()


def test_an_incident_without_a_title_comes_back_with_the_error_on_its_field(signed_in, officer, semarang):
    client = signed_in(officer)

    response = client.post(
        "/admin/agencies/incident/add/",
        {"agency": semarang.pk, "title": "", "description": "-", "data_categories": ["nik"]},
    )

    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert not Incident.objects.exists()


def test_the_owner_officer_records_the_containment(signed_in, officer, incident):
    response = signed_in(officer).post(url(incident, "contain"), contain_form(timezone.now()))

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CONTAINED


def test_a_containment_without_its_measures_names_the_field(signed_in, officer, incident):
    response = signed_in(officer).post(url(incident, "contain"), {**contain_form(timezone.now()), "containment": ""})

    assert response.status_code == 200
    assert "containment" in response.context["form"].errors
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_province_staff_read_the_incident_but_every_change_is_forbidden(signed_in, province_staff, incident):
    client = signed_in(province_staff)

    page = client.get(url(incident))
    assert page.status_code == 200
    assert "Catat penanganan" not in page.content.decode()
    assert client.get(url(incident, "contain")).status_code == 403
    assert client.post(url(incident, "contain"), contain_form(timezone.now())).status_code == 403
    assert client.post(url(incident), {"title": "Lain"}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


@pytest.mark.parametrize("who", ["district staff of another province", "officer of another province"])
def test_anyone_outside_the_jurisdiction_finds_no_incident(signed_in, member, incident, who):
    banyuwangi = DistrictOfficeFactory(region=RegionFactory(code="35.10"))
    role = Role.DISTRICT_STAFF if who.startswith("district") else Role.DATA_PROTECTION_OFFICER
    client = signed_in(member(role, agency=banyuwangi))

    for step in ("change", "contain", "affected", "letter/authority"):
        assert client.get(url(incident, step)).status_code == 404, step


def test_leadership_has_no_incident_page(signed_in, member, incident):
    from tests.agencies.factories import AgencyFactory

    client = signed_in(member(Role.LEADERSHIP_VIEWER, agency=AgencyFactory(ministry=True)))

    assert client.get("/admin/agencies/incident/").status_code == 403
    assert client.get(url(incident)).status_code == 404


def test_the_letter_reads_as_a_page_and_downloads_as_a_pdf_each_in_the_trail(signed_in, province_staff, incident):
    client = signed_in(province_staff)

    page = client.get(url(incident, "letter/authority"))
    pdf = client.get(url(incident, "letter/authority/pdf"))

    text = page.content.decode()
    assert "Pemberitahuan kegagalan pelindungan data pribadi" in text
    assert "1. Data pribadi yang terungkap" in text and "Data dan informasi kesehatan" in text
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert incident.reference in pdf["Content-Disposition"]
    assert AuditEvent.objects.filter(action="agencies.incident.letter_viewed").count() == 2


def test_a_reader_sees_the_data_affected_by_their_names_and_both_letters_open(signed_in, province_staff, incident):
    client = signed_in(province_staff)

    page = client.get(url(incident)).content.decode()

    assert "Nama lengkap, Data dan informasi kesehatan" in page
    assert "health" not in page
    for which in ("subjects", "authority"):
        assert client.get(url(incident, f"letter/{which}")).status_code == 200
