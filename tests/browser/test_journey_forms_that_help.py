"""District staff of Banyuwangi use the forms that help: the intake sheet's template downloaded, filled and imported
back, and three cases enrolled in a batch at once from the case list, each with its own result."""

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.steps import (
    choose_autocomplete,
    expect_message,
    filter_list,
    go_home,
    listed_rows,
    open_list,
    press,
    shot,
)

ROLE = "kabupaten"
WAVE_TWO = re.compile(r"Gelombang II, angkatan 2")


def helper_shot(page, name: str, *, phone: bool = False) -> None:
    """The journey's own screenshot under tests/browser/artifacts/ (desktop, or 390 px wide)."""
    shot(page, ROLE, name, phone=phone)


def test_district_staff_download_the_intake_template_fill_it_and_import_it_back(page, sign_in, tmp_path):
    sign_in(ROLE)
    open_list(page, "Kasus")
    page.locator(".object-tools").get_by_role("link", name="Impor berkas pendataan").click()
    page.wait_for_load_state()

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh templat lembar pendataan").click()
    assert download.value.suggested_filename == "templat-lembar-pendataan.xlsx"
    template = tmp_path / "templat.xlsx"
    download.value.save_as(template)

    book = load_workbook(template)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["nomor data", "nama lengkap", "nama panggilan"]
    row = dict.fromkeys(headers) | {
        "nomor data": "BWI-1",
        "nama lengkap": "Wulan Sari",
        "jenis kelamin": "P",
        "tahun lahir": 1994,
        "daerah asal": "35.10",
        "kelompok sasaran": 10,
    }
    sheet.append([row[header] for header in headers])
    filled = io.BytesIO()
    book.save(filled)

    page.locator("input[name=sheet]").set_input_files(
        {"name": "pendataan.xlsx", "mimeType": "application/octet-stream", "buffer": filled.getvalue()}
    )
    page.get_by_role("button", name="Impor").click()
    page.wait_for_load_state()
    expect(page.locator("#content")).to_contain_text("1 berhasil didaftarkan")
    expect(page.locator("#content table").first).to_contain_text("BWI-1")


def test_district_staff_enroll_three_selected_cases_in_a_batch_and_read_each_result(page, sign_in):
    sign_in(ROLE)
    open_list(page, "Kasus")
    filter_list(page, "Diasesmen")
    numbers = [row.get_by_role("link").first.inner_text() for row in listed_rows(page).all()[:3]]
    assert len(numbers) == 3

    def enroll_selected() -> None:
        for number in numbers:
            row = listed_rows(page).filter(has=page.get_by_role("link", name=number, exact=True))
            row.locator("input.action-select").check()
        page.locator("select[name=action]").select_option(label="Daftarkan ke angkatan…")
        page.locator("#changelist-form .actions").get_by_role("button").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="Daftarkan kasus terpilih ke angkatan")).to_be_visible()
        for number in numbers:
            expect(page.locator("#selected-cases")).to_contain_text(number)
        choose_autocomplete(page, "Angkatan", "Gelombang II", WAVE_TWO)

    enroll_selected()
    helper_shot(page, "enroll-confirm")
    helper_shot(page, "enroll-confirm-phone", phone=True)
    press(page, "Daftarkan")
    for number in numbers:
        expect_message(page, re.compile(rf"^{re.escape(number)}: terdaftar di .*Gelombang II, angkatan 2\.$"))
    helper_shot(page, "enroll-results")

    # The same three again: each is refused, with the reason beside its number.
    enroll_selected()
    press(page, "Daftarkan")
    for number in numbers:
        expect_message(page, f"{number}: tidak didaftarkan. Kasus ini sudah terdaftar sebagai peserta angkatan ini.")
    go_home(page)
