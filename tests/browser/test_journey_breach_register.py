"""The data-protection officer of Jawa Tengah handles a personal data incident (issue 18 item 10): from the home page
to Pelindungan data → Insiden data pribadi, records it, finds the cases affected in the access log, records the
containment and both notices, reads the letter to the authority and downloads it as a PDF, all in Indonesian."""

import datetime
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser import steps

WIB = ZoneInfo("Asia/Jakarta")  # Jawa Tengah's clock, in which the pages read and take times


def snap(page: Page, name: str) -> None:
    """Desktop (1280 px) and phone (390 px) screenshots of the whole page, under tests/browser/artifacts/."""
    steps.shot(page, "dpo", f"{name}-1280")
    steps.shot(page, "dpo", f"{name}-390", phone=True)


def fill_moment(page: Page, field: str, moment: datetime.datetime) -> None:
    """A date and a time typed as an Indonesian office writes them (25/10/2026, 14:30), in the office's zone."""
    local = moment.astimezone(WIB)
    page.locator(f"#id_{field}_0").fill(local.strftime("%d/%m/%Y"))
    page.locator(f"#id_{field}_1").fill(local.strftime("%H:%M"))


def test_the_officer_records_an_incident_finds_the_cases_affected_notifies_and_downloads_the_letter(page, sign_in):
    sign_in("dpo")
    now = datetime.datetime.now(datetime.UTC)

    # the register sits in its own group of the menu, with the demo's past incident, closed
    expect(
        page.locator("#content-main caption, #nav-sidebar caption").filter(has_text="Pelindungan data").first
    ).to_be_visible()
    steps.open_list(page, "Insiden data pribadi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar insiden data pribadi")
    expect(page.locator("#result_list")).to_contain_text("Akun lapangan LKS Lentera Asa")
    expect(page.locator("#result_list")).to_contain_text("Ditutup")

    # a new incident: what, when, which data
    page.locator(".object-tools").get_by_role("link", name=re.compile("Tambah")).click()
    page.wait_for_load_state()
    page.get_by_label("Judul singkat").fill("Akun LKS masuk dari perangkat asing")
    fill_moment(page, "detected_at", now - datetime.timedelta(hours=3))
    page.get_by_label("Apa yang terjadi dan bagaimana").fill(
        "Akun lapangan LKS dipakai masuk dari perangkat yang tidak dikenal dan membuka data kasus."
    )
    page.get_by_label("Nama lengkap").check()
    page.get_by_label("Riwayat pekerja seks (kelompok sasaran)").check()
    steps.press(page, "Simpan dan terus mengedit")
    steps.expect_message(page, "berhasil ditambahkan")
    expect(page.locator(".field-deadline_shown")).to_contain_text("WIB")
    expect(page.locator(".field-deadline_shown")).to_contain_text(re.compile(r"sisa (68|69) jam"))

    # the cases affected: what Lentera Asa's account touched in the last month, by number
    steps.object_tool(page, "Cari subjek terdampak")
    fill_moment(page, "query_from", now - datetime.timedelta(days=30))
    fill_moment(page, "query_until", now + datetime.timedelta(hours=1))
    page.get_by_label("Akun pelaku (nama masuk)").fill("lentera")
    snap(page, "query")
    steps.press(page, "Simpan dan hitung")
    steps.expect_message(page, re.compile(r"Pencarian disimpan: \d+ kasus terdampak"))
    count = page.locator(".affected-count")
    expect(count).to_contain_text(re.compile(r"[1-9]\d* kasus terdampak"))
    numbers = page.locator(".affected-numbers li")
    expect(numbers.first).to_have_text(re.compile(r"\d{2}\.\d{2}-\d{4}-\d{5}"))
    snap(page, "affected")
    page.get_by_role("link", name=re.compile("^Kembali ke INS-")).click()
    page.wait_for_load_state()

    # contained, then both notices: the clock stops
    steps.object_tool(page, "Catat penanganan")
    page.get_by_label("Upaya penanganan dan pemulihan").fill("Kata sandi diganti, semua sesi akun diakhiri.")
    fill_moment(page, "contained_at", now - datetime.timedelta(hours=1))
    steps.press(page, "Catat penanganan")
    steps.expect_message(page, "Penanganan telah dicatat.")
    steps.object_tool(page, "Subjek diberi tahu")
    fill_moment(page, "notified_at", now - datetime.timedelta(minutes=30))
    page.get_by_label("Cara subjek data diberi tahu").fill("Surat diserahkan pendamping saat kunjungan rumah")
    steps.press(page, "Catat pemberitahuan")
    steps.object_tool(page, "Lembaga pengawas diberi tahu")
    fill_moment(page, "notified_at", now - datetime.timedelta(minutes=10))
    page.get_by_label("Nomor dari lembaga pengawas").fill("PDP/2026/0999")
    steps.press(page, "Catat pemberitahuan")
    steps.expect_message(page, "Pemberitahuan kepada lembaga pengawas telah dicatat.")
    expect(page.locator(".field-status")).to_contain_text("Sudah diberitahukan")
    expect(page.locator(".field-affected_shown")).to_contain_text("kasus (dihitung")
    snap(page, "incident")

    # the letter to the authority, on screen and as a PDF
    steps.object_tool(page, "Surat untuk lembaga pengawas")
    letter = page.locator(".incident-letter")
    expect(letter).to_contain_text("Pemberitahuan kegagalan pelindungan data pribadi")
    expect(letter).to_contain_text("Kementerian Komunikasi dan Digital")
    expect(letter).to_contain_text("1. Data pribadi yang terungkap")
    expect(letter).to_contain_text("Riwayat pekerja seks (kelompok sasaran)")
    expect(letter).to_contain_text("Kata sandi diganti, semua sesi akun diakhiri.")
    expect(letter).to_contain_text("4. Kontak pejabat pelindungan data pribadi")
    snap(page, "letter")
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh PDF").click()
    assert re.fullmatch(r"INS-\d{4}-\d{5}-authority\.pdf", download.value.suggested_filename)
    assert open(download.value.path(), "rb").read(4) == b"%PDF"  # noqa: SIM115
