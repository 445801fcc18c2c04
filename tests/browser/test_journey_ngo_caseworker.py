"""An NGO caseworker (LKS Kelompok Kerja Bina Sehat, Banyuwangi) registers a person, writes a note and refers the
case to the person's home district, by clicking, and reads every answer in Indonesian."""

import re

from playwright.sync_api import expect

from tests.browser.steps import (
    add_from_home,
    choose_autocomplete,
    expect_field,
    expect_message,
    object_tool,
    press,
    shot,
)

ROLE = "lks"
CASE_NUMBER = re.compile(r"35\.10-\d{4}-\d{5}")
SEMARANG = "Dinas Sosial Kota Semarang"
# Born 22 July 1995, a woman (day + 40), from Semarang Tengah (33.74.01); met at a Banyuwangi site.
NIK = "3374016207950002"


def intake(page) -> str:
    add_from_home(page, "Kasus")
    page.get_by_label("nama lengkap").fill("Dewi Lestari")
    page.get_by_label("NIK", exact=False).first.fill(NIK)
    page.get_by_label("jenis kelamin").select_option(label="Perempuan")
    page.get_by_label("tanggal lahir").fill("22-07-1995")
    choose_autocomplete(page, "daerah asal", "kota semarang", "33.74 Kota Semarang, Jawa Tengah")
    page.get_by_label("Kelompok sasaran").select_option(label="10. Tuna Susila")
    choose_autocomplete(page, "Lokasi", "Padang", "Padang Pasir")
    press(page, "Simpan")
    added = expect_message(page, "berhasil ditambahkan")  # on the new case's page
    return CASE_NUMBER.search(added.inner_text()).group()


def add_note(page, text: str) -> None:
    """The case's "Tambah catatan" button, the note typed on its small form, back to the case."""
    object_tool(page, "Tambah catatan")
    page.get_by_label("catatan").fill(text)
    press(page, "Simpan")
    expect_message(page, "Catatan telah ditambahkan.")


def refer(page, *, to: str, kind: str, reason: str) -> None:
    object_tool(page, "Rujuk")
    expect(page.get_by_role("heading", name="Rujuk ke instansi lain")).to_be_visible()
    choose_autocomplete(page, re.compile(r"^Ke\b"), to.removeprefix("Dinas Sosial "), to)
    page.get_by_label("jenis").select_option(label=kind)
    page.get_by_label("alasan rujukan").fill(reason)
    press(page, "Simpan")


def record_sharing_consent(page, agency: str) -> None:
    object_tool(page, "Catat persetujuan")
    page.get_by_label("tujuan").select_option(label="Berbagi data dengan instansi tertentu")
    choose_autocomplete(page, "dibagikan kepada", agency.removeprefix("Dinas Sosial "), agency)
    press(page, "Simpan")
    expect_message(page, "Persetujuan telah dicatat.")


def test_ngo_caseworker_registers_a_person_writes_a_note_and_refers_the_case_home(page, sign_in):
    sign_in(ROLE)

    number = intake(page)
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    expect_field(page, "Tahap:", "Terdaftar")

    add_note(page, "Ingin pulang ke Semarang; keluarga sudah dihubungi lewat telepon.")
    expect(page.locator("#timeline")).to_contain_text("Ingin pulang ke Semarang")

    reason = "Ingin pulang ke kampung halaman di Semarang dan membuka usaha jahit."
    # Without the person's consent to share with Semarang the referral is refused, with the reason on the form.
    refer(page, to=SEMARANG, kind="Pemulangan ke daerah asal", reason=reason)
    expect(page.locator(".errorlist").first).to_contain_text("persetujuan")
    page.get_by_role("link", name="Batal").click()
    page.wait_for_load_state()

    record_sharing_consent(page, SEMARANG)
    refer(page, to=SEMARANG, kind="Pemulangan ke daerah asal", reason=reason)
    expect_message(page, "Rujukan telah dikirim.")
    referrals = page.locator("#timeline li").filter(has_text="Pemulangan ke daerah asal")
    expect(referrals).to_contain_text(SEMARANG)
    expect(referrals).to_contain_text("Pemulangan ke daerah asal")
    expect(referrals).to_contain_text("Menunggu tanggapan")
    shot(page, ROLE, "case")
