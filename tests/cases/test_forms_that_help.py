"""The intake and the case page's forms help: regions, sites and offices picked by name, dates by calendar or typed
as Indonesians write them, no choice made for staff, the new case's file after intake, the sheet's template."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from agencies.models import Agency, Region
from cases.intake import sheet as intake_sheet
from cases.models import Case
from tests.agencies.factories import RegionFactory
from tests.cases.factories import TUNA_SUSILA, CaseFactory, DistrictOfficeFactory

pytestmark = pytest.mark.django_db

NAMES = {
    "35": "Jawa Timur",
    "35.10": "Kabupaten Banyuwangi",
    "35.10.01": "Pesanggaran",
    "53": "Nusa Tenggara Timur",
    "53.01": "Kabupaten Kupang",
    "53.71": "Kota Kupang",
    "53.71.01": "Alak",
}


@pytest.fixture
def regions(db):
    for code, name in NAMES.items():
        RegionFactory(code=code)
        Region.objects.filter(code=code).update(name=name)


def _picker(client, term: str, *, model: str = "person", field: str = "home_region", app: str = "cases") -> list[str]:
    response = client.post(
        "/admin/autocomplete/", {"term": term, "app_label": app, "model_name": model, "field_name": field}
    )
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def _intake_form(**overrides):
    return {
        "full_name": "Dewi Lestari",
        "sex": "F",
        "birth_date": "15-03-1990",
        "target_group": TUNA_SUSILA,
        "home_region": "35.10",
        "processing_consent_on": "01/11/2026",
        **overrides,
    }


# 1. Regions by name


@pytest.mark.parametrize("typed", ["Banyuwangi", "Kab. Banyuwangi", "kab banyuwangi", "35.10", "banyuwangi jawa"])
def test_the_home_region_picker_finds_a_regency_by_name_or_code(staff_client, regions, typed):
    found = _picker(staff_client, typed)

    assert found[0] == "35.10 Kabupaten Banyuwangi, Jawa Timur"


def test_the_region_picker_names_each_region_with_the_regions_it_lies_in_wider_first(staff_client, regions):
    assert _picker(staff_client, "kupang") == [
        "53.01 Kabupaten Kupang, Nusa Tenggara Timur",
        "53.71 Kota Kupang, Nusa Tenggara Timur",
    ]
    assert _picker(staff_client, "Kota Kupang") == ["53.71 Kota Kupang, Nusa Tenggara Timur"]
    assert _picker(staff_client, "Alak") == ["53.71.01 Alak, Kota Kupang, Nusa Tenggara Timur"]
    assert _picker(staff_client, "alak kota kupang") == ["53.71.01 Alak, Kota Kupang, Nusa Tenggara Timur"]


def test_the_region_picker_searches_by_post_only(staff_client, regions):
    response = staff_client.get(
        "/admin/autocomplete/",
        {"term": "Banyuwangi", "app_label": "cases", "model_name": "person", "field_name": "home_region"},
    )

    assert response.status_code == 405


def test_the_intake_form_offers_pickers_for_the_home_region_the_site_and_the_office(staff_client):
    page = staff_client.get("/admin/cases/case/add/").content.decode()

    for field in ("home_region", "site", "owner"):
        box = re.search(rf'<select name="{field}"[^>]*>', page).group()
        assert "admin-autocomplete" in box and 'data-ajax--url="/admin/autocomplete/"' in box
    assert "agencies/posted_autocomplete.js" in page


def test_a_refused_intake_shows_the_chosen_region_by_its_full_name(staff_client, regions):
    response = staff_client.post("/admin/cases/case/add/", _intake_form(full_name=""))

    assert response.status_code == 200
    assert '<option value="35.10" selected>35.10 Kabupaten Banyuwangi, Jawa Timur</option>' in response.content.decode()


def test_the_person_page_names_the_home_region_as_the_picker_does(staff_client, regions, banyuwangi):
    staff_client.post("/admin/cases/case/add/", _intake_form())
    person = Case.objects.get().person

    page = staff_client.get(f"/admin/cases/person/{person.pk}/change/").content.decode()

    assert '<option value="35.10" selected>35.10 Kabupaten Banyuwangi, Jawa Timur</option>' in page


def test_the_office_picker_at_intake_offers_active_district_offices_only(staff_client, banyuwangi):
    DistrictOfficeFactory(name="Dinas Sosial Kabupaten Jember", active=False)
    DistrictOfficeFactory(name="Dinas Sosial Kabupaten Jembrana")

    offered = _picker(staff_client, "Dinas Sosial Kabupaten Jem", model="case", field="owner")

    assert offered == ["Dinas Sosial Kabupaten Jembrana"]


def test_the_referral_page_picks_the_office_by_name(staff_client, banyuwangi):
    case = CaseFactory(owner=banyuwangi)

    page = staff_client.get(f"/admin/cases/case/{case.pk}/refer/").content.decode()

    box = re.search(r'<select name="to_agency"[^>]*>', page).group()
    assert "admin-autocomplete" in box and 'data-model-name="referral"' in box


# 2. Dates


def test_the_intake_dates_have_the_calendar_and_read_day_first(staff_client):
    page = staff_client.get("/admin/cases/case/add/").content.decode()

    assert re.search(r'<input type="text" name="birth_date"[^>]*class="vDateField', page)
    assert re.search(r'name="processing_consent_on" value="\d{2}/\d{2}/\d{4}"', page)  # day first, not ISO
    assert "admin/js/admin/DateTimeShortcuts.js" in page


@pytest.mark.parametrize("typed", ["15-03-1990", "15/03/1990", "1990-03-15"])
def test_a_birth_date_typed_as_indonesians_write_it_is_read(staff_client, typed):
    staff_client.post("/admin/cases/case/add/", _intake_form(birth_date=typed))

    assert str(Case.objects.get().person.birth_date) == "1990-03-15"


@pytest.mark.parametrize("path", ["consent", "assess"])
def test_the_case_page_forms_with_dates_load_the_calendar(staff_client, banyuwangi, path):
    case = CaseFactory(owner=banyuwangi)

    page = staff_client.get(f"/admin/cases/case/{case.pk}/{path}/").content.decode()

    assert "vDateField" in page and "/admin/jsi18n/" in page and "DateTimeShortcuts.js" in page


# 3. No silent defaults


def test_sex_starts_unchosen_and_is_required(staff_client):
    page = staff_client.get("/admin/cases/case/add/").content.decode()
    assert re.search(r'<select name="sex"[^>]*>\s*<option value="" selected>', page)

    response = staff_client.post("/admin/cases/case/add/", _intake_form(sex=""))

    assert response.context["adminform"].form.errors["sex"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(("path", "field"), [("refer", "kind"), ("consent", "purpose"), ("move", "to")])
def test_the_case_page_forms_choose_nothing_for_staff(staff_client, banyuwangi, path, field):
    case = CaseFactory(owner=banyuwangi)

    page = staff_client.get(f"/admin/cases/case/{case.pk}/{path}/").content.decode()

    assert re.search(rf'<select name="{field}"[^>]*>\s*<option value="" selected>', page)


# 4. After intake, the case file


def test_after_intake_staff_land_on_the_new_cases_file_with_the_message(staff_client):
    response = staff_client.post("/admin/cases/case/add/", _intake_form(), follow=True)

    case = Case.objects.get()
    assert response.redirect_chain == [(f"/admin/cases/case/{case.pk}/change/", 302)]
    assert [str(m) for m in response.context["messages"]][-1].endswith("berhasil ditambahkan.")


def test_save_and_add_another_still_opens_an_empty_intake(staff_client):
    response = staff_client.post("/admin/cases/case/add/", {**_intake_form(), "_addanother": "1"})

    assert response["Location"] == "/admin/cases/case/add/"


# 5. The intake sheet's template


def test_the_template_has_the_indonesian_headers_and_a_filled_row_imports_back(staff_client, regions):
    response = staff_client.get("/admin/cases/case/import/template/")
    assert response["Content-Type"] == intake_sheet.XLSX_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [column["header"] for column in intake_sheet.documented_columns()]
    assert "nama lengkap" in headers and "daerah asal" in headers

    filled = dict.fromkeys(headers, None) | {
        "nomor data": "T-1",
        "nama lengkap": "Ratna Sari",
        "jenis kelamin": "P",
        "nik": "3510015503900002",
        "tanggal lahir": "1990-03-15",
        "daerah asal": "35.10",
        "kelompok sasaran": TUNA_SUSILA,
    }
    sheet.append([filled[header] for header in headers])
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("pendataan.xlsx", out.getvalue())
    result = staff_client.post("/admin/cases/case/import/", {"sheet": upload})

    assert (result.context["created"], result.context["errors"]) == (1, 0)
    person = Case.objects.get().person
    assert (person.full_name, person.home_region_id, person.nik) == ("Ratna Sari", "35.10", "3510015503900002")


def test_the_template_keeps_codes_and_niks_as_text(staff_client):
    book = load_workbook(io.BytesIO(staff_client.get("/admin/cases/case/import/template/").content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]

    for header in ("nik", "daerah asal", "nomor telepon"):
        assert sheet.cell(row=2, column=headers.index(header) + 1).number_format == "@"


def test_the_import_page_links_the_template(staff_client):
    page = staff_client.get("/admin/cases/case/import/").content.decode()

    assert 'href="/admin/cases/case/import/template/"' in page


def test_someone_who_may_not_register_cases_gets_no_template(signed_in, member):
    client = signed_in(member(role="auditor", agency=DistrictOfficeFactory(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT)))

    assert client.get("/admin/cases/case/import/template/").status_code == 403
