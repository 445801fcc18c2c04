"""The record of processing activities in the admin (issue 18 item 6): under "Pelindungan data" for the
data-protection officer and the auditors, in Indonesian, as a page and a PDF; drawn from the code's inventory, so it
holds nobody's data. And the officer's home (item 11): the record and the trail, and the seam for the registers."""

import pytest

from agencies import work
from agencies.models import Role
from tests.cases.factories import CaseFactory
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/admin/privacy/record/"
PDF = "/admin/privacy/record.pdf"
HEADINGS = ["Tujuan pemrosesan", "Dasar pemrosesan", "Subjek data pribadi", "Penerima data", "Masa retensi"]


@pytest.fixture
def officer(member, jateng):
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


def test_the_officer_reads_the_record_in_indonesian(officer, signed_in):
    page = signed_in(officer).get(PAGE).content.decode()

    assert "<h1>Catatan Aktivitas Pemrosesan Data Pribadi</h1>" in page
    assert "1. Pendataan dan penanganan kasus rehabilitasi sosial</h2>" in page
    for heading in HEADINGS:
        assert f"<h3>{heading}</h3>" in page
    assert "riwayat pekerja seks komersial" in page
    assert 'href="/admin/privacy/record.pdf"' in page


def test_the_record_holds_nobody_s_data(officer, signed_in, semarang):
    case = CaseFactory(owner=semarang)

    page = signed_in(officer).get(PAGE).content.decode()
    pdf = pdf_text(signed_in(officer).get(PDF).content)

    for value in (case.person.full_name, case.number):
        assert value not in page and value not in pdf


def test_the_pdf_download_holds_the_same_headings(officer, signed_in):
    response = signed_in(officer).get(PDF)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="catatan-aktivitas-pemrosesan-')
    text = pdf_text(response.content)
    assert "Catatan Aktivitas Pemrosesan Data Pribadi" in text
    assert "1. Pendataan dan penanganan kasus rehabilitasi sosial" in text
    for heading in HEADINGS:
        assert heading in text


def test_auditors_check_the_record(member, jateng, signed_in):
    auditor = member(Role.AUDITOR, agency=jateng)

    assert signed_in(auditor).get(PAGE).status_code == 200
    assert signed_in(auditor).get(PDF).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.NGO_CASEWORKER, Role.LEADERSHIP_VIEWER]
)
def test_other_roles_do_not_find_the_record(role, member, signed_in):
    client = signed_in(member(role))

    assert client.get(PAGE).status_code == 404
    assert client.get(PDF).status_code == 404


def test_the_officer_s_home_leads_to_the_record_and_the_trail(officer, signed_in):
    sections = work.my_work(officer)

    privacy = next(s for s in sections if str(s["title"]) == "Pelindungan data")
    links = {line.url: line for line in privacy["lines"]}
    assert set(links) >= {PAGE, "/admin/agencies/auditevent/"}
    assert not any(line.counted for line in privacy["lines"] if line.url == PAGE)
    page = signed_in(officer).get("/admin/").content.decode()
    assert "Catatan Aktivitas Pemrosesan Data Pribadi</span>" in page
    assert "Catatan audit wilayah saya</span>" in page


def test_the_officer_s_home_has_no_case_work(officer):
    urls = [line.url for section in work.my_work(officer) for line in section["lines"]]

    # The registers (subject-access requests, legal holds) are the officer's; the case file and its rows are not.
    content = (
        "/admin/cases/case/",
        "/admin/cases/person/",
        "/admin/cases/referral/",
        "/admin/programs/",
        "/admin/funding/",
    )
    assert not any(url.startswith(content) for url in urls)


def test_a_register_plugs_its_line_into_the_officer_s_section(officer, member, jateng):
    """The seam the registers use (agencies.work.privacy_source): their lines join the one section, in order, and
    are counted with the home's other lines."""
    from agencies.models import AuditEvent

    def requests_due(actor, context):
        yield work.Line(
            section="", label="Permintaan menunggu", url="/admin/x/", rows=AuditEvent.objects.all(), always=True
        )

    work.privacy_source(order=1)(requests_due)
    try:
        sections = work.my_work(officer)
        others = work.my_work(member(Role.DISTRICT_STAFF))
    finally:
        work._privacy_sources[:] = [pair for pair in work._privacy_sources if pair[1] is not requests_due]

    privacy = next(s for s in sections if str(s["title"]) == "Pelindungan data")
    first = privacy["lines"][0]
    assert (str(first.label), first.counted, first.shown_count) == ("Permintaan menunggu", True, "0")
    assert not any(line.url == "/admin/x/" for s in others for line in s["lines"])
