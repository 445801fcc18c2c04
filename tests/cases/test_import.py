"""Staff import an NGO's intake sheet (CSV or XLSX) from the case list: a result per row, errors offered back."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from cases.models import Case

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "full_name", "sex", "nik", "birth_date", "target_group", "home_region"]
ROWS = [
    ["S-1", "Ani Lestari", "F", "", "1990-02-01", "10", "35.10"],
    ["S-2", "Budi Santoso", "M", "123", "", "15", ""],
    ["S-3", "Citra Dewi", "F", "", "not a date", "10", ""],
]


def _csv() -> SimpleUploadedFile:
    text = "\n".join(",".join(line) for line in [HEADER, *ROWS])
    return SimpleUploadedFile("pendataan.csv", text.encode(), content_type="text/csv")


def _xlsx() -> SimpleUploadedFile:
    book = Workbook()
    for line in [HEADER, *ROWS]:
        book.active.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("pendataan.xlsx", buffer.getvalue())


@pytest.mark.parametrize("sheet", [_csv, _xlsx], ids=["csv", "xlsx"])
def test_a_sheet_registers_its_valid_rows_and_reports_every_row(staff_client, sheet):
    response = staff_client.post("/admin/cases/case/import/", {"sheet": sheet()})

    assert response.status_code == 200
    assert (response.context["created"], response.context["errors"]) == (1, 2)
    assert [r.status for r in response.context["results"]] == ["created", "error", "error"]
    assert list(Case.objects.values_list("external_id", flat=True)) == ["S-1"]
    assert "S-2" in response.context["error_csv"] and "S-1" not in response.context["error_csv"]


def test_importing_the_same_sheet_again_registers_nobody_twice(staff_client):
    staff_client.post("/admin/cases/case/import/", {"sheet": _csv()})

    again = staff_client.post("/admin/cases/case/import/", {"sheet": _csv()})

    assert (again.context["created"], again.context["duplicates"]) == (0, 1)
    assert Case.objects.count() == 1


def test_a_file_that_is_not_a_sheet_is_refused(staff_client):
    upload = SimpleUploadedFile("notes.txt", b"hello")

    response = staff_client.post("/admin/cases/case/import/", {"sheet": upload})

    assert "results" not in response.context
    assert not Case.objects.exists()
