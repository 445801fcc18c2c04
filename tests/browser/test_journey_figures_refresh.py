"""Leadership ask for the figures to be recomputed now ("Perbarui angka"), from the menu under Pengaturan, and read
that the run finished (issue 17). Beat runs it every night; the button is for a morning after new data."""

from playwright.sync_api import Page, expect

from tests.browser import steps


def test_leadership_recompute_the_figures_from_pengaturan(page: Page, sign_in):
    sign_in("pimpinan")
    steps.open_list(page, "Pembaruan angka")
    expect(page.get_by_text("dihitung ulang setiap malam")).to_be_visible()

    steps.press(page, "Perbarui angka")

    steps.expect_message(page, "Angka sedang dihitung ulang; ini memerlukan beberapa menit.")
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Selesai")
    expect(first).to_contain_text("Demo Pimpinan")
    steps.expect_no_iso_dates(page)
    for phone, name in ((False, "desktop"), (True, "phone")):
        steps.shot(page, "leadership", f"figures-refresh-{name}", phone=phone)


def test_district_staff_find_no_refresh_in_their_menu(page: Page, sign_in):
    sign_in("kabupaten")
    expect(page.get_by_role("rowheader", name="Pembaruan angka", exact=True)).to_have_count(0)
