"""District staff take their case list away as a file (issue 17 §5), by clicking: the home → Kasus → a filter →
"Ekspor daftar ini" → "Ekspor saya" → Unduh. The browser suite runs Celery tasks in-process (CELERY_TASK_ALWAYS_EAGER
in config/settings_test.py), so the file is written when the request's transaction commits, before the page that
lists it is drawn."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.steps import expect_message, expect_no_iso_dates, filter_list, object_tool, open_list, shot

ROLE = "kabupaten"


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


def test_district_staff_export_the_filtered_case_list_and_download_it(page, sign_in):
    sign_in(ROLE)
    # the home → Kasus, narrowed to the cases in intervention
    open_list(page, "Kasus")
    filter_list(page, "Dalam intervensi")
    planned = page.locator("#result_list tbody tr").count()
    assert planned > 0

    # "Ekspor daftar ini" as a spreadsheet
    tools = page.locator(".object-tools")
    expect(tools).to_contain_text("Ekspor daftar ini")
    tools.get_by_role("button", name="CSV", exact=True).click()
    page.wait_for_load_state()

    # lands on "Ekspor saya", with a message, the file ready (written by the task when the request committed)
    expect(page.get_by_role("heading", name="Ekspor saya", level=1)).to_be_visible()
    expect_message(page, "Ekspor Anda sudah siap: unduh di bawah ini.")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Daftar kasus")
    expect(row).to_contain_text("Siap diunduh")
    expect(row).to_contain_text(str(planned))
    expect(page.locator(".export-help")).to_contain_text("hanya Anda yang dapat mengunduhnya")
    expect_no_iso_dates(page)
    shot(page, ROLE, "my-exports")
    shot(page, ROLE, "my-exports-phone", phone=True)

    # Unduh: the file, decrypted, with the Indonesian headers and the cases in intervention only
    with page.expect_download() as download:
        row.get_by_role("link", name="Unduh").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "Nomor kasus",
        "Nama",
        "Nama panggilan",
        "Tahap",
        "Kelompok sasaran",
        "Lokasi asal",
        "Kantor pemilik",
        "Pendamping",
        "Terdaftar",
    ]
    assert len(rows) == planned + 1
    assert {row[3] for row in rows[1:]} == {"Dalam intervensi"}
    assert download.value.suggested_filename.startswith("daftar-kasus-")


def test_the_menu_leads_to_my_exports_and_the_program_report_downloads_as_pdf(page, sign_in):
    sign_in(ROLE)
    open_list(page, "Program")
    page.locator("#result_list tbody tr").first.get_by_role("link").first.click()
    page.wait_for_load_state()
    object_tool(page, "Laporan")
    expect(page.locator(".report-download")).to_contain_text("Unduh laporan")
    page.locator(".report-download").get_by_role("button", name="PDF").click()
    page.wait_for_load_state()

    expect(page.get_by_role("heading", name="Ekspor saya", level=1)).to_be_visible()
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Laporan program: ")
    expect(row).to_contain_text("Siap diunduh")
    with page.expect_download() as download:
        row.get_by_role("link", name="Unduh").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"  # noqa: SIM115

    # and "Ekspor saya" is in the menu, under Laporan
    page.get_by_role("link", name="Beranda").first.click()
    page.wait_for_load_state()
    open_list(page, "Ekspor saya")
    expect(page.get_by_role("heading", name="Ekspor saya", level=1)).to_be_visible()
