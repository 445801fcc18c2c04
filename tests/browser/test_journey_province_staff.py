"""Province staff of Jawa Tengah read the report of the program their office runs, then export the budget
realization per month as CSV and XLSX: headers in Indonesian, money in whole Rupiah, the same figures as the page."""

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser import steps

PROGRAM = "Pembinaan dan Pemberdayaan PMKS Kabupaten Purbalingga"
ENGLISH = re.compile(r"\b(month|ceiling|committed|paid|remaining|realized|allocation|source|district)\b", re.I)


def report_table(page: Page, heading: str):
    return page.locator("h3", has_text=heading).locator("xpath=following-sibling::table[1]")


def download(page: Page, link: str):
    with page.expect_download() as started:
        page.locator("#content").get_by_role("link", name=link, exact=True).click()
    return started.value


def test_province_staff_read_their_program_report_and_export_the_budget_realization_per_month(page, sign_in):
    sign_in("provinsi")

    # The program report, per batch: counts and a completion rate that agrees with them.
    steps.open_list(page, "Program")
    page.locator("#result_list").get_by_role("link", name=re.compile(re.escape(PROGRAM))).click()
    steps.object_tool(page, "Laporan")
    expect(page.locator("#content h1, #content h2").first).to_contain_text(re.compile("Laporan program|" + PROGRAM))
    header, rows = steps.table_texts(report_table(page, "Per angkatan"))
    # The page shows headers in capitals; the words are what counts.
    assert [name.lower() for name in header] == [
        "angkatan",
        "peserta terdaftar",
        "lulus",
        "tingkat kelulusan",
        "dipantau",
        "meninggalkan lokasi",
        "masih di lokasi",
        "meninggalkan lokasi (%)",
    ], header
    batch = rows[0]
    enrolled, trained, completion = int(batch[1]), int(batch[2]), batch[3]
    assert (enrolled, trained) == (8, 6), "the demo's finished Purbalingga batch: 8 enrolled, 6 trained"
    assert abs(int(completion.rstrip("%")) - 100 * trained / enrolled) < 1, completion
    assert rows[-1][0].lower() == "jumlah"
    steps.shot(page, "provinsi", "program-report")

    # Budget realization per month, on the page and in both exports.
    steps.go_home(page)
    steps.open_list(page, "Alokasi anggaran")
    page.get_by_role("link", name="Realisasi anggaran").click()
    page.wait_for_load_state()
    per = page.get_by_label("Per")
    month = per.locator("option").filter(has_text=re.compile(r"^bulan", re.I)).first.text_content()
    per.select_option(label=month)
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    shown_header, shown_rows = steps.table_texts(page.locator("#content table").first)
    assert shown_header[0].lower().startswith("bulan"), shown_header
    assert not ENGLISH.search(" ".join(shown_header)), shown_header
    assert shown_rows and re.fullmatch(r"[A-Z][a-z]{2} \d{4}", shown_rows[0][0]), shown_rows
    steps.shot(page, "provinsi", "realization-per-month")
    money = [i for i, name in enumerate(shown_header) if name.endswith("(Rp)")]
    assert len(money) == 4, shown_header
    on_page = [[steps.rupiah_value(row[i]) if row[i] else None for i in money] for row in shown_rows]

    exported = download(page, "CSV")
    assert exported.suggested_filename.endswith(".csv")
    lines = list(csv.reader(io.StringIO(Path(exported.path()).read_text(encoding="utf-8-sig"))))
    assert [name.lower() for name in lines[0]] == [name.lower() for name in shown_header], lines[0]
    for line in lines[1:]:
        assert all(re.fullmatch(r"\d*", line[i]) for i in money), f"whole Rupiah, no separators: {line}"
    assert [[int(line[i]) if line[i] else None for i in money] for line in lines[1:]] == on_page

    exported = download(page, "XLSX")
    assert exported.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(exported.path()).read_bytes()), read_only=True).worksheets[0]
    # A sheet does not store empty cells at the end of a row: pad each row to the header's width.
    table = [[*row, *[None] * (len(shown_header) - len(row))] for row in sheet.iter_rows(values_only=True)]
    assert [str(name).lower() for name in table[0]] == [name.lower() for name in shown_header], table[0]
    for line in table[1:]:
        assert all(line[i] is None or isinstance(line[i], int) for i in money), f"whole Rupiah as numbers: {line}"
    assert [[line[i] for i in money] for line in table[1:]] == on_page
