"""Each role signs in from the home page and finds its way by the menu (issue 16 §6): the header names the office
and the role, the menu holds the role's work in the order of the work (Kasus, Program, Pendanaan, Laporan, Pelindungan
data, Instansi, then Pengaturan), lists are titled "Daftar …", and province staff read the reminder schedules in
words, all in Indonesian."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import steps

ORDER = ["Kasus", "Program", "Pendanaan", "Laporan", "Instansi", "Pengaturan"]
# Who records, follows or reads the privacy registers (issue 18) has them between Laporan and Instansi.
WITH_PRIVACY = ["Kasus", "Program", "Pendanaan", "Laporan", "Pelindungan data", "Instansi", "Pengaturan"]

# login: (the header's office and role, the list opened from the home page, groups of the menu, pages not in it)
ROLES = {
    "kabupaten": (
        "Dinas Sosial Kabupaten Banyuwangi · Staf kabupaten/kota",
        "Kasus",
        WITH_PRIVACY,
        [],
    ),
    "keuangan": (
        "Dinas Sosial Kabupaten Banyuwangi · Pemberi persetujuan keuangan",
        "Pencairan",
        ORDER,
        ["Pemantauan", "Hasil pemantauan", "Pendaftaran peserta", "Persetujuan", "Rujukan"],
    ),
    "mitra": (
        "Polres Kotawaringin Timur · Pelatih mitra",
        "Angkatan",
        ["Kasus", "Program", "Laporan", "Instansi", "Pengaturan"],
        ["Kasus", "Persetujuan", "Kemungkinan data ganda", "Pemantauan", "Pencairan", "Hak bantuan", "Bantuan"],
    ),
    "lks": ("LKS Kelompok Kerja Bina Sehat · Pendamping kasus LSM", "Pemantauan", ORDER, ["Alokasi anggaran"]),
    "provinsi": ("Dinas Sosial Provinsi Jawa Tengah · Staf provinsi", "Alokasi anggaran", WITH_PRIVACY, []),
    "pimpinan": (
        "Kementerian Sosial Republik Indonesia · Pimpinan (hanya melihat)",
        "Program",
        ORDER,
        ["Kasus", "Pencairan", "Keanggotaan"],
    ),
    "auditor": ("Dinas Sosial Provinsi Jawa Tengah · Auditor", "Catatan audit", WITH_PRIVACY, []),
    "dpo": (
        "Dinas Sosial Provinsi Jawa Tengah · Pejabat pelindungan data pribadi",
        "Catatan audit",
        WITH_PRIVACY,
        ["Persetujuan", "Rujukan", "Pendaftaran peserta", "Pemantauan", "Pencairan", "Hak bantuan", "Keanggotaan"],
    ),
}


def menu_groups(page: Page) -> list[str]:
    """The side menu's groups, top to bottom, as written (the page shows them in capitals)."""
    return [text.strip() for text in page.locator("#nav-sidebar caption").all_text_contents()]


def menu_pages(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#nav-sidebar th[scope=row]").all_text_contents()]


@pytest.mark.parametrize("login", list(ROLES))
def test_each_role_finds_its_work_by_the_menu_in_indonesian(page, sign_in, login):
    office, first_list, groups, absent = ROLES[login]
    sign_in(login)

    header = page.locator("#user-tools")
    expect(header).to_contain_text(office)
    steps.shot(page, login, "home")
    steps.shot(page, login, "home-phone", phone=True)

    steps.open_list(page, first_list)
    title = page.get_by_role("heading", level=1)
    expect(title).to_have_text(re.compile(r"^Daftar "))
    expect(page).to_have_title(re.compile(r"^Daftar "))
    assert "untuk diubah" not in page.content() and "untuk dilihat" not in page.content()
    assert menu_groups(page) == groups
    shown = menu_pages(page)
    assert not [name for name in absent if name in shown], shown
    expect(header).to_contain_text(office)  # on every page, not only the home


def test_province_staff_read_the_reminder_schedules_in_words(page, sign_in):
    """Home → Pengaturan → Tugas terjadwal: what runs and when, in words; no cron line, code or zone name."""
    sign_in("provinsi")
    page.get_by_role("link", name="Pengaturan", exact=True).first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaturan")

    steps.open_list(page, "Tugas terjadwal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar tugas terjadwal")
    results = page.locator("#result_list")
    expect(results).to_contain_text("Menyusun email pengingat hari ini")
    expect(results).to_contain_text("Setiap hari pukul 07.00 WIB")
    expect(results).to_contain_text("Setiap menit")
    text = results.inner_text()
    for code in ("agencies.tasks", "Asia/", "* * *", "Idempotency", "outbox"):
        assert code not in text, code
    steps.shot(page, "provinsi", "schedules")
    steps.shot(page, "provinsi", "schedules-phone", phone=True)
