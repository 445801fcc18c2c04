"""Monthly figures (issue 17 item 6), by clicking. Purbalingga's staff open last month under Laporan → Angka bulanan,
read the figures that approving would freeze, confirm, and land on the approval with its hash. Jawa Tengah's
province staff find which of their districts approved last month (the demo approved Kota Semarang's), open it,
check its authenticity and download it as a file that carries the hash."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import MonthlySnapshot
from tests.browser import steps

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _month_label(month: datetime.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


def _keep(page, role, name):
    # Both widths, under tests/browser/artifacts/.
    for phone, width in ((False, "1280"), (True, "390")):
        steps.shot(page, role, f"{name}-{width}", phone=phone)


def test_district_staff_preview_and_approve_last_months_figures(page, sign_in):
    month = _month_label(_last_month())
    sign_in("purbalingga")

    # the home → Laporan → Angka bulanan
    expect(steps.model_row(page, "Angka bulanan")).to_be_visible()
    steps.open_list(page, "Angka bulanan")
    expect(page.get_by_role("heading", name="Bulan yang belum disetujui")).to_be_visible()
    _keep(page, "purbalingga", "months")

    # last month's preview: the figures, exact, and the button
    page.locator(".snapshot-months").get_by_role("link", name=month, exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=f"Kabupaten Purbalingga, {month}")).to_be_visible()
    expect(page.locator("#content")).to_contain_text("Inilah angka yang akan dibekukan bila disetujui")
    expect(page.locator("table.snapshot-table caption").first).to_be_visible()
    expect(page.locator("table.snapshot-table caption", has_text="Kasus")).not_to_have_count(0)
    steps.expect_no_iso_dates(page)
    _keep(page, "purbalingga", "preview")

    # "Setujui angka bulan ini" → the confirmation says what is frozen
    page.get_by_role("link", name="Setujui angka bulan ini").click()
    page.wait_for_load_state()
    confirm = page.locator(".snapshot-confirm")
    expect(confirm).to_contain_text("Setujui dan bekukan angka ini?")
    expect(confirm).to_contain_text("Kabupaten Purbalingga")
    expect(confirm).to_contain_text(month)
    expect(confirm).to_contain_text("tabel")
    _keep(page, "purbalingga", "confirm")
    steps.press(page, "Ya, setujui dan bekukan")

    # the approval: message with the hash's start, the details, authenticity holds
    snapshot = MonthlySnapshot.objects.get(district_id="33.03")
    steps.expect_message(
        page, f"Angka {month} sudah disetujui dan dibekukan. SHA-256-nya diawali {snapshot.sha256[:12]}"
    )
    expect(page.locator(".snapshot-facts")).to_contain_text("Demo Purbalingga")
    expect(page.locator(".snapshot-facts")).to_contain_text(steps.as_read(timezone.localdate()))
    steps.expect_no_iso_dates(page)
    _keep(page, "purbalingga", "approved")

    # and the month is no longer offered
    page.locator(".breadcrumbs").get_by_role("link", name="Angka bulanan").click()
    page.wait_for_load_state()
    expect(page.locator(".snapshot-months").get_by_role("link", name=month, exact=True)).to_have_count(0)


def test_province_staff_read_an_approved_month_verify_it_and_download_it(page, sign_in):
    month = _month_label(_last_month())
    semarang = MonthlySnapshot.objects.get(district_id="33.74")
    sign_in("provinsi")

    # the home → Laporan → Angka bulanan: last month, which districts approved
    steps.open_list(page, "Angka bulanan")
    expect(page.get_by_role("heading", name=f"Angka yang disetujui: {month}")).to_be_visible()
    _header, rows = steps.table_texts(page.locator("#snapshot-districts"))
    assert ["Kabupaten Purbalingga", "Belum disetujui", "—", "—"] in rows
    assert [
        "Kota Semarang",
        "Disetujui",
        steps.as_read(timezone.localdate(semarang.approved_at)),
        semarang.short_hash,
    ] in rows
    expect(page.get_by_role("heading", name="Bulan yang belum disetujui")).to_have_count(0)
    _keep(page, "provinsi", "month")

    # the approved month: figures suppressed for the province, the hash short, in full in its detail
    page.locator("#snapshot-districts").get_by_role("link", name="Kota Semarang").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=f"Kota Semarang, {month} (revisi 1)")).to_be_visible()
    expect(page.locator(".snapshot-facts")).to_contain_text("Demo Semarang")
    full = page.locator("#snapshot-full-hash")
    expect(full).not_to_be_visible()
    page.locator(".snapshot-facts summary").click()
    expect(full).to_have_text(semarang.sha256)
    steps.expect_no_iso_dates(page)
    _keep(page, "provinsi", "detail")

    # Periksa keaslian
    steps.press(page, "Periksa keaslian")
    steps.expect_message(page, f"Asli: angka yang tersimpan tetap menghasilkan SHA-256 {semarang.sha256}.")

    # download as XLSX: "Ekspor saya", ready; the file names the month and carries the full hash
    page.locator(".snapshot-actions").get_by_role("button", name="XLSX").click()
    page.wait_for_load_state()
    steps.expect_message(page, "Ekspor Anda sudah siap: unduh di bawah ini.")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text(f"Angka bulanan yang disetujui: Kota Semarang, {month} (revisi 1)")
    with page.expect_download() as download:
        row.get_by_role("link", name="Unduh").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows(values_only=True) for cell in line]
    assert semarang.sha256 in cells and "Kode keaslian (SHA-256)" in cells
    assert "Kota Semarang" in cells and month in cells

    # and as PDF, for the letter
    page.go_back()
    page.wait_for_load_state()
    page.locator(".snapshot-actions").get_by_role("button", name="PDF").click()
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.locator("#result_list tbody tr").first.get_by_role("link", name="Unduh").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"  # noqa: SIM115


def test_leadership_read_an_approved_month_with_small_cells_hidden(page, sign_in):
    # The ministry reads what a district approved, as the province does, but never a small count: its figures are
    # suppressed like every other aggregate that leaves the owning office.
    month = _month_label(_last_month())
    semarang = MonthlySnapshot.objects.get(district_id="33.74")
    sign_in("pimpinan")

    # the home → Laporan → Angka bulanan: districts of every province, the approved one among them
    steps.open_list(page, "Angka bulanan")
    expect(page.get_by_role("heading", name=f"Angka yang disetujui: {month}")).to_be_visible()
    _header, rows = steps.table_texts(page.locator("#snapshot-districts"))
    districts = {row[0]: row[1] for row in rows}
    assert districts["Kota Semarang"] == "Disetujui" and districts["Kabupaten Banyuwangi"] == "Belum disetujui"
    expect(page.get_by_role("heading", name="Bulan yang belum disetujui")).to_have_count(0)
    _keep(page, "pimpinan", "month")

    # the approved month: its tables, with the small cells hidden and why
    page.locator("#snapshot-districts").get_by_role("link", name="Kota Semarang").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=f"Kota Semarang, {month} (revisi 1)")).to_be_visible()
    tables = page.locator("table.snapshot-table")
    expect(tables.first).to_be_visible()
    cells = [text.strip() for text in tables.locator("td").all_text_contents()]
    assert "*" in cells, cells
    expect(page.locator(".snapshot-footnotes").first).to_contain_text("Kurang dari 5 orang")
    steps.expect_no_iso_dates(page)
    _keep(page, "pimpinan", "detail")

    # its authenticity holds for the ministry too
    steps.press(page, "Periksa keaslian")
    steps.expect_message(page, f"Asli: angka yang tersimpan tetap menghasilkan SHA-256 {semarang.sha256}.")
