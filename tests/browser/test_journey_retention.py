"""A closed case past retention is pseudonymized (issue 18, Done when): the data-protection officer opens Pelindungan
data → Retensi from the home, sees the demo's case closed in 2019 due, runs the job, and reads its result; Semarang's
staff then open that case and read "Disamarkan" where her name was, while the case still counts in the figures."""

from playwright.sync_api import Page, expect

from cases.models import Case
from tests.browser import steps


def _shots(page: Page, role: str, step: str) -> None:
    for phone, name in ((False, "desktop"), (True, "phone")):
        steps.shot(page, role, f"{step}-{name}", phone=phone)


def test_the_officer_runs_retention_and_district_staff_read_the_case_pseudonymized(
    page: Page, sign_in, sign_in_elsewhere
):
    closed_long_ago = Case.objects.get(person__full_name="Murniati Rahayu")
    number = closed_long_ago.number

    sign_in("dpo")
    expect(page.get_by_role("rowheader", name="Retensi", exact=True)).to_be_visible()
    steps.open_list(page, "Retensi")
    expect(page.get_by_text("1 kasus di wilayah Anda jatuh tempo sekarang")).to_be_visible()
    expect(page.locator(".retention-summary")).to_contain_text(number)
    expect(page.locator(".retention-summary")).not_to_contain_text("Murniati")  # the officer reads no content
    _shots(page, "dpo", "retention-due")

    steps.press(page, "Jalankan sekarang")

    steps.expect_message(page, "Proses retensi sedang berjalan")
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Selesai")
    expect(first).to_contain_text("Demo Pelindungan Data")
    expect(page.get_by_text("0 kasus di wilayah Anda jatuh tempo sekarang")).to_be_visible()
    steps.expect_no_iso_dates(page)
    _shots(page, "dpo", "retention-ran")

    staff = sign_in_elsewhere("semarang")
    steps.open_list(staff, "Kasus")
    steps.search_list(staff, number)
    steps.open_row(staff, number)
    expect(staff.locator(".case-header .pseudonymized")).to_contain_text("Disamarkan")
    expect(staff.locator("body")).not_to_contain_text("Murniati")
    expect(staff.locator("body")).not_to_contain_text("Kalibanteng")
    steps.expect_field(staff, "Nama", "Disamarkan")
    steps.expect_field(staff, "Tahap", "Ditutup")
    _shots(staff, "semarang", "retention-case")


def test_the_officer_holds_a_case_by_its_number_and_the_job_leaves_it(page: Page, sign_in):
    number = Case.objects.get(person__full_name="Murniati Rahayu").number

    sign_in("dpo")
    steps.open_list(page, "Retensi")
    page.locator(".retention-summary").get_by_role("link", name="Tahan", exact=True).first.click()
    page.wait_for_load_state()
    expect(page.get_by_label("Nomor kasus")).to_have_value(number)
    page.get_by_label("Alasan").fill("Surat Kejaksaan Negeri Semarang No. B-123/M.3.10/2026")
    page.get_by_label("Ditahan sampai").fill("31/12/2027")
    _shots(page, "dpo", "hold-form")
    steps.press(page, "Tahan kasus")
    steps.expect_message(page, f"Kasus {number} ditahan")
    expect(page.locator("#result_list")).to_contain_text(number)

    steps.open_list(page, "Retensi")
    steps.press(page, "Jalankan sekarang")
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Selesai")
    assert Case.objects.get(number=number).person.full_name == "Murniati Rahayu"
