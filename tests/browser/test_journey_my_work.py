"""Each role opens the admin on "Pekerjaan saya": reads a count in Indonesian, clicks it, and lands on the list of
exactly those rows (issue 16 item 1). The demo gives every role something waiting (agencies/demo.py and the apps'
demo loaders); the counts are read from the page, never assumed."""

import re

from playwright.sync_api import Page, expect

from tests.browser import steps


def home_reads_my_work(page: Page) -> None:
    expect(page.get_by_role("heading", name="Pekerjaan saya")).to_be_visible()
    expect(page.locator("#recent-actions-module")).to_have_count(0)  # Django's "Tindakan terbaru" is gone


def follow(page: Page, label: str) -> int:
    """Read a line's count, follow it, and check the list shows that many rows; returns the count."""
    count = steps.work_count(page, label)
    assert count > 0, f"the demo has something for {label!r}"
    steps.open_work(page, label)
    expect(steps.listed_rows(page)).to_have_count(count)
    return count


def test_district_staff_open_the_referral_waiting_for_their_office_and_the_batch_starting(page, sign_in):
    sign_in("kabupaten")
    home_reads_my_work(page)
    steps.shot(page, "kabupaten", "home")
    steps.shot(page, "kabupaten", "home-phone", phone=True)

    follow(page, "Pemulangan yang perlu diterima")
    expect(steps.listed_rows(page).first).to_contain_text("Pemulangan ke daerah asal")
    expect(steps.listed_rows(page).first).to_contain_text("LKS Pendamping Karang Dempel")

    steps.go_home(page)
    follow(page, "Rujukan untuk kantor saya")
    steps.go_home(page)
    follow(page, "Angkatan yang mulai dalam 3 hari")
    expect(steps.listed_rows(page).first).to_contain_text("Gelombang II")


def test_a_finance_approver_reads_what_waits_with_its_total_and_opens_it_oldest_first(page, sign_in):
    sign_in("keuangan")
    home_reads_my_work(page)
    line = steps.work_line(page, "Pencairan menunggu persetujuan saya")
    expect(line).to_contain_text(re.compile(r"Jumlah: Rp\d{1,3}(\.\d{3})+"))
    total = steps.rupiah_value(line.inner_text())
    steps.shot(page, "keuangan", "home-phone", phone=True)

    count = follow(page, "Pencairan menunggu persetujuan saya")
    header, rows = steps.table_texts(page.locator("#result_list"))
    amount = header.index("Jumlah")
    assert sum(steps.rupiah_value(row[amount]) for row in rows) == total
    assert len(rows) == count
    # Oldest first: the list is sorted by "diajukan pada", ascending.
    expect(page.locator("#result_list thead th.sorted.ascending")).to_have_count(1)


def test_a_partner_trainer_goes_from_todays_session_straight_to_ticking_it(page, sign_in):
    sign_in("mitra")
    home_reads_my_work(page)
    assert steps.work_count(page, "Sesi instansi saya hari ini") == 1
    today = steps.work_line(page, "Sesi instansi saya hari ini")
    expect(today).to_contain_text("Kamtibmas")
    steps.shot(page, "mitra", "home-phone", phone=True)

    today.get_by_role("link", name="Isi kehadiran").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=re.compile("Pelatihan Membuat Kue"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("hari ini · Kamtibmas"))).to_be_visible()
    expect(page.get_by_role("button", name="Tandai semua hadir")).to_be_enabled()


def test_province_staff_see_a_referral_waiting_in_one_of_their_offices(page, sign_in):
    sign_in("provinsi")
    home_reads_my_work(page)
    follow(page, "Rujukan yang menunggu di kantor-kantor provinsi saya")
    expect(steps.listed_rows(page).first).to_contain_text("Dinas Kesehatan Kabupaten Purbalingga")


def test_an_auditor_opens_the_nik_shown_in_full_this_week(page, sign_in):
    sign_in("auditor")
    home_reads_my_work(page)
    follow(page, "NIK ditampilkan utuh")
    expect(steps.listed_rows(page).first).to_contain_text("NIK ditampilkan utuh")


def test_a_caseworker_opens_the_follow_up_visits_due_this_week(page, sign_in):
    sign_in("lks")
    home_reads_my_work(page)
    follow(page, "Jatuh tempo dalam 7 hari")
    steps.go_home(page)
    follow(page, "Diasesmen")
    expect(steps.listed_rows(page).first).to_contain_text("Diasesmen")
