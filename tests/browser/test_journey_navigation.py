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


def breadcrumbs(page: Page) -> str:
    return " ".join(page.locator(".breadcrumbs").inner_text().split())


def test_the_breadcrumbs_name_the_menu_group_the_person_came_through(page, sign_in):
    """Pages moved into another group of the menu read that group in their breadcrumbs, not their app: the officer
    comes through Pelindungan data (no page of its own: plain text), staff through Pengaturan (a link back to it)."""
    sign_in("dpo")
    # the home's menu: the group's table, then its page
    group = page.locator("#content-main table").filter(has=page.locator("caption", has_text="Pelindungan data"))
    group.get_by_role("link", name="Permintaan akses", exact=True).click()
    page.wait_for_load_state()
    assert breadcrumbs(page) == "Beranda › Pelindungan data › Permintaan akses"
    expect(page.locator(".breadcrumbs").get_by_role("link", name="Pelindungan data")).to_have_count(0)
    # a form of the same group, and a page of its own that is no model's list
    page.locator(".object-tools").get_by_role("link", name=re.compile("Tambah")).click()
    page.wait_for_load_state()
    assert breadcrumbs(page).startswith("Beranda › Pelindungan data › Permintaan akses › "), breadcrumbs(page)
    steps.open_list(page, "Catatan Aktivitas Pemrosesan Data Pribadi")
    assert breadcrumbs(page).startswith("Beranda › Pelindungan data › "), breadcrumbs(page)

    page.context.clear_cookies()
    sign_in("kabupaten")
    steps.open_list(page, "Klien API")
    assert breadcrumbs(page) == "Beranda › Pengaturan › Klien API"
    page.locator(".breadcrumbs").get_by_role("link", name="Pengaturan", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaturan")
    # an app's own group leads to its page, which lists that group's pages only
    steps.go_home(page)
    steps.open_list(page, "Keanggotaan")
    assert breadcrumbs(page) == "Beranda › Instansi › Keanggotaan"
    page.locator(".breadcrumbs").get_by_role("link", name="Instansi", exact=True).click()
    page.wait_for_load_state()
    content = page.locator("#content-main")
    expect(content.get_by_role("link", name="Keanggotaan", exact=True)).to_be_visible()
    expect(content.get_by_role("link", name="Klien API", exact=True)).to_have_count(0)
    steps.shot(page, "kabupaten", "group-page")
