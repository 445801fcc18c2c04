"""The data-protection officer of Jawa Tengah (issue 18 items 6 and 11): from the home's "Pelindungan data" to the
record of processing activities, read in Indonesian, downloaded as a PDF that holds the same headings, then back home
and into the trail of the province. Screenshots of the home and the record at desktop and phone widths."""

from playwright.sync_api import expect

from tests.browser import steps
from tests.pdf_text import pdf_text

HEADINGS = ["Tujuan pemrosesan", "Dasar pemrosesan", "Subjek data pribadi", "Penerima data", "Masa retensi"]


def _shots(page, step: str) -> None:
    """The page at 1280 px and at 390 px (tests/browser/artifacts/journey-dpo-<step>-<width>.png)."""
    for phone, width in ((False, 1280), (True, 390)):
        steps.shot(page, "dpo", f"{step}-{width}", phone=phone)


def test_the_officer_reads_and_downloads_the_record_of_processing_and_opens_the_trail(page, sign_in, tmp_path):
    sign_in("dpo")
    work = page.locator("#my-work")
    expect(work.get_by_role("heading", name="Pelindungan data")).to_be_visible()
    expect(work).not_to_contain_text("Kasus saya")  # no case work on the officer's home
    _shots(page, "home")

    work.get_by_role("link", name="Catatan Aktivitas Pemrosesan Data Pribadi").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catatan Aktivitas Pemrosesan Data Pribadi")
    content = page.locator("#content")
    expect(content.get_by_role("heading", name="1. Pendataan dan penanganan kasus rehabilitasi sosial")).to_be_visible()
    for heading in HEADINGS:
        expect(content.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
    expect(content).to_contain_text("riwayat pekerja seks komersial")
    _shots(page, "record")

    with page.expect_download() as download:
        content.get_by_role("link", name="Unduh sebagai PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("catatan-aktivitas-pemrosesan-") and saved.suffix == ".pdf"
    text = pdf_text(saved.read_bytes())
    assert "Catatan Aktivitas Pemrosesan Data Pribadi" in text
    for heading in HEADINGS:
        assert heading in text, heading

    steps.go_home(page)
    page.locator("#my-work").get_by_role("link", name="Catatan audit wilayah saya").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar catatan audit")
    header, rows = steps.table_texts(page.locator("#result_list"))
    assert rows, "the province's trail is empty"
