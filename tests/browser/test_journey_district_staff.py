"""District staff (Dinas Sosial Kabupaten Banyuwangi) take a person from intake to a follow-up visit, by clicking.

The demo's `kabupaten` account works in Indonesian; the browser asks for English on purpose, so every text asserted
here also proves that the account's language wins.
"""

import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.steps import (
    add_from_home,
    as_read,
    choose_autocomplete,
    expect_field,
    expect_message,
    expect_no_iso_dates,
    filter_list,
    object_tool,
    open_list,
    open_row,
    pick_date_in_calendar,
    press,
    shot,
)

ROLE = "kabupaten"
CASE_NUMBER = re.compile(r"35\.10-\d{4}-\d{5}")
WAVE_TWO = "Pelatihan Keterampilan dan Wirausaha Eks PSK Banyuwangi, Gelombang II"
# Born 15 March 1990, a woman (day + 40), registered in Pesanggaran (35.10.01), Banyuwangi.
NIK = "3510015503900001"


def go_home(page):
    page.get_by_role("link", name="Beranda").first.click()
    page.wait_for_load_state()


def intake(page) -> str:
    """Kasus → Tambah, the intake form filled as from the person's KTP: the home region and the site picked by name,
    the birth date typed as written on the KTP, the consent's date picked in the calendar. Saving opens the new
    case's file; returns its number."""
    add_from_home(page, "Kasus")
    expect(page.get_by_role("heading", name="Tambahkan kasus")).to_be_visible()
    page.get_by_label("nama lengkap").fill("Sri Wahyuningsih")
    page.get_by_label("NIK", exact=False).first.fill(NIK)
    expect(page.get_by_label("jenis kelamin")).to_have_value("")  # nobody's sex is chosen for them
    page.get_by_label("jenis kelamin").select_option(label="Perempuan")
    page.get_by_label("tanggal lahir").fill("15-03-1990")
    choose_autocomplete(page, "daerah asal", "Kab. Banyuwangi", "35.10 Kabupaten Banyuwangi, Jawa Timur")
    page.get_by_label("Kelompok sasaran").select_option(label="10. Tuna Susila")
    choose_autocomplete(page, "Lokasi", "Gempol", "Gempol Porong")
    today = timezone.localdate()
    pick_date_in_calendar(page, "persetujuan pemrosesan", 1)
    expect(page.get_by_label("persetujuan pemrosesan")).to_have_value(f"01/{today:%m/%Y}")
    shot(page, ROLE, "intake")
    shot(page, ROLE, "intake-phone", phone=True)
    press(page, "Simpan")
    added = expect_message(page, "berhasil ditambahkan")  # on the new case's own page, not the list
    number = CASE_NUMBER.search(added.inner_text()).group()
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    return number


def assess(page) -> None:
    """The case's "Catat asesmen" button, its small form filled; a registered case is assessed with it."""
    object_tool(page, "Catat asesmen")
    page.get_by_label("tanggal asesmen").fill(f"{timezone.localdate():%d-%m-%Y}")
    page.get_by_label("kebutuhan").fill("Modal usaha dan pelatihan menjahit")
    page.get_by_label("keterampilan yang diinginkan").fill("menjahit")
    page.get_by_label("gagasan usaha").fill("jahit pakaian")
    page.get_by_label("ingin pulang ke kampung halaman").select_option(label="Tidak")
    press(page, "Simpan")
    expect_message(page, "Asesmen telah dicatat.")
    expect(page.locator("#timeline")).to_contain_text("Gagasan usaha: jahit pakaian")


def enroll(page, number: str) -> None:
    """Pendaftaran peserta → Tambah: the open wave-2 batch and the case, each picked in its search box."""
    go_home(page)
    add_from_home(page, "Pendaftaran peserta")
    choose_autocomplete(page, "Angkatan", "Gelombang II", re.compile(r"angkatan 2"))
    choose_autocomplete(page, "Kasus", number, number)
    press(page, "Simpan")
    expect_message(page, "berhasil ditambahkan")
    open_row(page, number)
    expect_field(page, "Status", "Terdaftar sebagai peserta")
    expect_field(page, "Angkatan", "angkatan 2")
    # A planned case enters intervention once it has a place.
    page.locator(".field-case").get_by_role("link").click()
    page.wait_for_load_state()
    expect_field(page, "Tahap:", "Dalam intervensi")


def accept_repatriation(page) -> None:
    """Rujukan → the waiting repatriation from Karang Dempel → Terima on the referral's page."""
    go_home(page)
    open_list(page, "Rujukan")
    filter_list(page, "Menunggu tanggapan")
    open_row(page, "Pemulangan ke daerah asal")
    expect_field(page, "Status", "Menunggu tanggapan")
    shot(page, ROLE, "referral")
    page.locator(".object-tools").get_by_role("button", name="Terima").click()
    page.wait_for_load_state()
    expect_message(page, "Rujukan telah diterima.")
    # A repatriation is done once accepted: the case itself moves to this office.
    expect_field(page, "Status", "Selesai")
    object_tool(page, "Buka kasus")
    expect_field(page, "Kantor penanggung jawab", "Dinas Sosial Kabupaten Banyuwangi")
    expect(page.locator("#timeline")).to_contain_text("ke Dinas Sosial Kabupaten Banyuwangi")


def record_visit(page) -> None:
    """Pemantauan → due within 7 days → the first one → Catat kunjungan."""
    go_home(page)
    open_list(page, "Pemantauan")
    filter_list(page, "Jatuh tempo dalam 7 hari")
    visited = page.locator("#result_list tbody tr").first.get_by_role("link").first.inner_text()
    open_row(page, visited)
    object_tool(page, "Catat kunjungan")
    expect(page.get_by_role("heading", name="Catat kunjungan")).to_be_visible()
    page.get_by_label("tempat tinggal saat ini").select_option(label="Pulang ke kampung halaman")
    page.get_by_label("sudah memulai usaha").check()
    page.get_by_label("jenis usaha").fill("warung makan")
    shot(page, ROLE, "visit")
    press(page, "Simpan")
    expect_message(page, "Kunjungan telah dicatat.")
    expect(page.locator("#content")).to_contain_text(visited)
    expect_field(page, "Tanggal kunjungan", as_read(timezone.localdate()))
    expect_no_iso_dates(page)  # the follow-up's own name included ("… jatuh tempo 8 Des 2026")


def test_district_staff_takes_a_person_from_intake_to_enrollment_and_a_follow_up_visit(page, sign_in):
    sign_in(ROLE)

    number = intake(page)
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    expect_field(page, "Tahap:", "Terdaftar")
    expect_field(page, "Tanggal atau tahun lahir", "15 Mar 1990")
    expect_no_iso_dates(page)
    shot(page, ROLE, "case")
    shot(page, ROLE, "case-phone", phone=True)

    assess(page)
    expect_field(page, "Tahap:", "Diasesmen")
    # One click on the case's header moves it on to the next stage.
    page.locator(".case-header").get_by_role("button", name="Lanjut ke tahap: Direncanakan").click()
    page.wait_for_load_state()
    expect_message(page, "Kasus dipindahkan ke tahap Direncanakan.")
    expect_field(page, "Tahap:", "Direncanakan")
    expect(page.locator("#content")).to_contain_text("Diasesmen")  # the history row reads in Indonesian

    enroll(page, number)
    accept_repatriation(page)
    record_visit(page)
