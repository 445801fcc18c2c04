"""The lists that grow with the country, as people use them: the case list pages on with "Berikutnya" and
"Sebelumnya" (never a total), filters by office and caseworker, and finds a case by its number or the number's
beginning; the auditor finds one case's history and one person's doings in the trail. All in Indonesian, and
readable at a phone's width."""

import re

from playwright.sync_api import expect

from agencies.admin import AuditEventAdmin
from cases.admin import CaseAdmin
from tests.browser import steps

CASE_NUMBER = re.compile(r"\d{2}\.\d{2}-\d{4}-\d{5}")


def _numbers(page) -> list[str]:
    _header, rows = steps.table_texts(page.locator("#result_list"))
    return [CASE_NUMBER.search(" ".join(row)).group() for row in rows]


def test_district_staff_page_through_filter_and_find_cases_by_number(page, sign_in, monkeypatch):
    monkeypatch.setattr(CaseAdmin, "list_per_page", 20)  # the demo's 60 cases of Banyuwangi, in pages of 20
    sign_in("kabupaten")
    steps.open_list(page, "Kasus")

    first_page = _numbers(page)
    paginator = page.locator(".paginator")
    assert len(first_page) == 20
    expect(paginator).to_contain_text("Berikutnya")
    expect(paginator).not_to_contain_text("Sebelumnya")
    paginator.get_by_role("link", name=re.compile("Berikutnya")).click()
    page.wait_for_load_state()
    expect(paginator).to_contain_text("Halaman 2")
    expect(paginator).to_contain_text("Sebelumnya")
    assert not set(_numbers(page)) & set(first_page), "page 2 repeats rows of page 1"
    expect(page.locator("#content")).not_to_contain_text(re.compile(r"\d+ kasus"))  # no count anywhere
    steps.shot(page, "district-staff", "case-list-page-2", phone=True)

    steps.filter_list(page, "Kasus saya")  # the demo's caseworkers are the NGO's, not the office's staff
    expect(page.locator(".paginator")).to_contain_text("Tidak ada yang ditemukan")
    page.locator("#changelist-filter-extra-actions").get_by_role("link").click()  # "Hapus semua filter"
    page.wait_for_load_state()

    wanted = first_page[3]
    steps.search_list(page, wanted)
    assert _numbers(page) == [wanted]
    assert wanted not in page.url  # a search term never reaches the address bar

    steps.search_list(page, wanted[:-2])
    found = _numbers(page)
    assert wanted in found and all(number.startswith(wanted[:-2]) for number in found)
    steps.shot(page, "district-staff", "case-list-prefix", phone=True)


def test_province_staff_filter_the_case_list_by_office(page, sign_in):
    sign_in("provinsi")
    steps.open_list(page, "Kasus")
    filters = page.locator("#changelist-filter")
    expect(filters).to_contain_text("Dinas Sosial Kota Semarang")
    expect(filters).not_to_contain_text("Dinas Sosial Kabupaten Banyuwangi")  # another province's office

    steps.filter_list(page, "Dinas Sosial Kota Semarang")

    _header, rows = steps.table_texts(page.locator("#result_list"))
    assert rows and all("Dinas Sosial Kota Semarang" in " ".join(row) for row in rows)
    steps.shot(page, "province-staff", "case-list-by-office", phone=True)


def test_auditor_finds_a_case_history_and_a_persons_doings_and_pages_on(page, sign_in, monkeypatch):
    monkeypatch.setattr(AuditEventAdmin, "list_per_page", 10)
    sign_in("auditor")
    steps.open_list(page, "Kasus")
    case = _numbers(page)[0]
    steps.go_home(page)
    steps.open_list(page, "Catatan audit")

    expect(page.locator(".paginator")).to_contain_text("Berikutnya")
    page.locator(".paginator").get_by_role("link", name=re.compile("Berikutnya")).click()
    page.wait_for_load_state()
    expect(page.locator(".paginator")).to_contain_text("Halaman 2")
    expect(page.locator("#changelist-search")).to_contain_text("Nomor kasus, atau nama akun")

    steps.search_list(page, case)
    _header, rows = steps.table_texts(page.locator("#result_list"))
    assert rows and all(case in " ".join(row) for row in rows), f"rows of other cases in the trail of {case}"

    steps.search_list(page, "semarang")  # the account of Kota Semarang's staff
    _header, rows = steps.table_texts(page.locator("#result_list"))
    assert rows and all("semarang" in " ".join(row) for row in rows)
    steps.shot(page, "auditor", "trail-by-user", phone=True)

    steps.search_list(page, "tidak ada orang ini")
    expect(page.locator(".paginator")).to_contain_text("Tidak ada yang ditemukan")
