"""Case pages speak Indonesian: stage names instead of codes, dates in the one date format, and an intake sheet
read with Indonesian column headers and reported in words."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import formats, translation
from openpyxl import Workbook

from cases import services
from cases.models import Case, Consent
from tests.cases.factories import IntakeFactory

pytestmark = pytest.mark.django_db

BIRTH_DATE = datetime.date(1990, 1, 5)


@pytest.fixture
def case(banyuwangi_staff):
    case = IntakeFactory(
        actor=banyuwangi_staff, birth_date=BIRTH_DATE, processing_consent_on=datetime.date(2026, 2, 15)
    ).case
    services.case_transition(actor=banyuwangi_staff, case=case, to=Case.Stage.ASSESSED, reason="Asesmen awal")
    return case


def _in_indonesian(value):
    with translation.override("id"):
        return str(value)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The case page


def test_the_stage_history_names_stages_not_codes(staff_client, case):
    page = _text(staff_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode())

    assert "registered → assessed" not in page
    registered, assessed = _in_indonesian(Case.Stage.REGISTERED.label), _in_indonesian(Case.Stage.ASSESSED.label)
    assert f"{registered} → {assessed}" in page


def test_the_case_page_shows_dates_in_the_date_format(staff_client, case):
    page = staff_client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    with translation.override("id"):
        birth, consent = formats.date_format(BIRTH_DATE), formats.date_format(datetime.date(2026, 2, 15))
    assert "1990-01-05" not in page
    assert "2026-02-15" not in page
    assert birth in page
    assert consent in page


def test_a_consent_names_its_date_in_the_date_format(case):
    consent = Consent.objects.get(person=case.person)

    with translation.override("id"):
        assert str(consent).endswith(f"({formats.date_format(consent.given_on)})")


# The intake sheet

INDONESIAN = ["Nomor Data", "nama lengkap", "Jenis_Kelamin", "tanggal-lahir", "kelompok sasaran", "daerah asal"]
ROWS = [
    ["S-1", "Ani Lestari", "P", "1990-02-01", "10", "35.10"],
    ["S-2", "Budi Santoso", "L", "bukan tanggal", "15", ""],
]


def _csv(header=INDONESIAN, rows=ROWS) -> SimpleUploadedFile:
    text = "\n".join(",".join(line) for line in [header, *rows])
    return SimpleUploadedFile("pendataan.csv", text.encode(), content_type="text/csv")


def _import(client, sheet):
    return client.post("/admin/cases/case/import/", {"sheet": sheet})


def test_the_import_page_names_the_columns_in_indonesian_words(staff_client):
    page = staff_client.get("/admin/cases/case/import/").content.decode()

    for indonesian in ["nomor data", "nama lengkap", "tanggal lahir", "kelompok sasaran"]:
        assert f"<td><strong>{indonesian}</strong></td>" in page
    assert not re.search(r"external_id|full_name|birth_date|\w+_\w+</", page)


def test_a_sheet_with_indonesian_headers_and_sexes_is_imported(staff_client):
    response = _import(staff_client, _csv())

    assert (response.context["created"], response.context["errors"]) == (1, 1)
    case = Case.objects.get()
    assert (case.external_id, case.person.full_name, case.person.sex) == ("S-1", "Ani Lestari", "F")


def test_the_import_result_is_in_words_and_names_the_column_to_correct(staff_client):
    response = _import(staff_client, _csv())

    table = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert "terdaftar" in rows[0] and "created" not in rows[0]
    assert "tidak didaftarkan" in rows[1] and " error " not in rows[1]
    assert "tanggal lahir :" in rows[1] and "birth_date" not in rows[1]
    assert "external_id" not in response.content.decode().split("<tbody>")[0].rsplit("<table>", 1)[-1]


def test_the_rows_in_error_come_back_with_indonesian_headers(staff_client):
    response = _import(staff_client, _csv())

    header, *lines = response.context["error_csv"].splitlines()
    assert header.split(",")[:3] == ["nomor data", "nama lengkap", "nama panggilan"]
    assert header.split(",")[-1] == "kesalahan"
    assert len(lines) == 1 and lines[0].startswith("S-2,Budi Santoso")


def test_the_api_column_names_are_still_read(staff_client):
    header = ["external_id", "full_name", "sex", "target_group"]

    response = _import(staff_client, _csv(header, [["S-9", "Citra Dewi", "F", "10"]]))

    assert response.context["created"] == 1


def test_a_date_typed_into_an_xlsx_cell_is_read_as_that_date(staff_client):
    book = Workbook()
    book.active.append(["nomor data", "nama lengkap", "jenis kelamin", "tanggal lahir", "kelompok sasaran"])
    book.active.append(["S-1", "Ani Lestari", "P", datetime.datetime(1990, 2, 1), 10])
    buffer = io.BytesIO()
    book.save(buffer)

    response = _import(staff_client, SimpleUploadedFile("pendataan.xlsx", buffer.getvalue()))

    assert response.context["created"] == 1
    assert Case.objects.get().person.birth_date == datetime.date(1990, 2, 1)


def test_the_case_history_is_in_indonesian(staff_client, case):
    assert staff_client.post(f"/admin/cases/case/{case.pk}/note/", {"body": "Sudah membuka warung."}).status_code == 302

    page = _text(staff_client.get(f"/admin/cases/case/{case.pk}/history/").content.decode())

    assert "Note on" not in page and "Added" not in page
    assert f"Catatan kasus {case.number}" in page
