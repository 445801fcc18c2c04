"""Budget realization as finance staff read it: per month by the day money was paid, years as years, groupings
and export headers in the reader's language, months as "Des 2026" and percentages with a decimal comma
(issue 12 §10, §11)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.funding.factories import pay
from tests.funding.pages import visible_text

pytestmark = pytest.mark.django_db

PAGE = "/admin/funding/allocation/realization/"
BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month_name(day: datetime.date, names=BULAN) -> str:
    return f"{names[day.month - 1]} {day.year}"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def last_month(today):
    return today.replace(day=1) - datetime.timedelta(days=1)


@pytest.fixture
def paid_last_month(staff, approver, allowance, last_month):
    """A Rp600.000 installment paid on the last day of last month, recorded today; Rp1.800.000 committed today."""
    return pay(staff, approver, allowance, paid_on=last_month)


def test_per_month_a_payment_counts_in_the_month_it_was_paid_not_when_it_was_recorded(
    client, approver, paid_last_month, today, last_month
):
    client.force_login(approver)

    rows = client.get(PAGE, {"by": "month"}).context["rows"]

    assert [(shown["labels"], shown["row"].committed, shown["row"].paid) for shown in rows] == [
        ([month_name(last_month)], 0, 600_000),
        ([month_name(today)], 1_800_000, 0),
    ]


def test_months_read_as_people_say_them_on_the_page_and_in_the_export(client, approver, paid_last_month, last_month):
    client.force_login(approver)

    page = visible_text(client.get(PAGE, {"by": "month"}).content.decode())
    exported = client.get(PAGE, {"by": "month", "format": "csv"}).content.decode()

    assert month_name(last_month) in page and last_month.strftime("%Y-%m") not in page
    assert list(csv.reader(io.StringIO(exported)))[1][0] == month_name(last_month)


def test_the_groupings_are_named_in_indonesian_in_the_picker_and_the_table(client, approver, paid_last_month):
    client.force_login(approver)

    page = client.get(PAGE, {"by": "district"}).content.decode()

    for code, name in [
        ("allocation", "Alokasi anggaran"),
        ("source", "Sumber dana"),
        ("program", "Program"),
        ("district", "Kantor Dinsos kabupaten/kota"),
        ("month", "Bulan"),
    ]:
        assert f'<option value="{code}"' in page and f">{name}</option>" in page
    header = visible_text(page.split("<thead>")[1].split("</thead>")[0])
    assert header == "Kantor Dinsos kabupaten/kota Pagu (Rp) Dikomitmenkan (Rp) Dibayar (Rp) Sisa (Rp) Realisasi (%)"


def test_the_percentage_realized_has_a_decimal_comma(client, approver, paid_last_month):
    client.force_login(approver)

    page = visible_text(client.get(PAGE).content.decode())
    exported = list(csv.reader(io.StringIO(client.get(PAGE, {"format": "csv"}).content.decode())))

    # Rp600.000 paid of a Rp50.000.000 ceiling.
    assert "1,2%" in page
    assert exported[1][-1] == "1,2"


def test_the_exports_are_headed_in_indonesian_for_an_indonesian_user(client, approver, paid_last_month):
    client.force_login(approver)

    as_csv = client.get(PAGE, {"format": "csv"})
    as_xlsx = client.get(PAGE, {"format": "xlsx"})

    expected = ["Alokasi anggaran", "Sumber dana", "Pagu (Rp)", "Dikomitmenkan (Rp)", "Dibayar (Rp)", "Sisa (Rp)"]
    assert next(csv.reader(io.StringIO(as_csv.content.decode())))[:6] == expected
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [cell.value for cell in sheet[1]] == [*expected, "Realisasi (%)"]
    assert [cell.value for cell in sheet[2]][2:] == [50_000_000, 1_800_000, 600_000, 48_200_000, 1.2]
    assert "realisasi-anggaran-alokasi-anggaran-" in as_csv["Content-Disposition"]


def test_the_exports_are_headed_in_the_exporting_users_own_language(client, approver, paid_last_month, last_month):
    approver.language = "en"
    approver.save(update_fields=["language"])
    client.force_login(approver)

    exported = list(csv.reader(io.StringIO(client.get(PAGE, {"by": "month", "format": "csv"}).content.decode())))

    assert exported[0] == ["Month", "Ceiling (Rp)", "Committed (Rp)", "Paid (Rp)", "Remaining (Rp)", "Realized (%)"]
    assert exported[1][0] == month_name(last_month, MONTHS)


def test_the_fiscal_year_reads_as_a_year_on_the_budget_pages(client, approver, paid_last_month, today):
    client.force_login(approver)
    year = str(today.year)
    grouped = f"{year[0]}.{year[1:]}"

    for url in ["/admin/funding/fundingsource/", "/admin/funding/allocation/", PAGE]:
        text = visible_text(client.get(url).content.decode())
        assert year in text and grouped not in text, url


def test_the_realization_offers_the_fiscal_years_in_scope(client, approver, paid_last_month, today):
    client.force_login(approver)

    page = client.get(PAGE, {"year": str(today.year)})

    assert page.context["years"] == [str(today.year)]
    assert f'<option value="{today.year}" selected>{today.year}</option>' in page.content.decode()
    assert page.context["rows"][0]["row"].realized == Decimal("1.2")
