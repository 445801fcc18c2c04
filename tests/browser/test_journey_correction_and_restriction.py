"""A person's rights on her record (issue 18 item 8), by clicking: Kota Semarang's district staff record her request
to correct her phone number from the case page; the province's data-protection officer (`dpo`) approves it from
their home, and the case shows the new number; the officer then restricts the processing of her data, and the
office's attempt to refer her to another agency is refused in Indonesian."""

import re

from playwright.sync_api import expect

from tests.browser.steps import (
    choose_autocomplete,
    expect_field,
    expect_message,
    object_tool,
    open_list,
    open_work,
    press,
    shot,
)

NEW_PHONE = "081398765432"


def keep(page, step: str, *, phone: bool = False) -> None:
    """The screenshot, under tests/browser/artifacts/."""
    shot(page, "privacy", step, phone=phone)


def test_a_correction_is_recorded_at_the_desk_approved_by_the_officer_and_a_restriction_stops_a_referral(
    sign_in, sign_in_elsewhere
):
    # District staff of Kota Semarang open one of their cases still in work.
    page = sign_in("semarang")
    open_list(page, "Kasus")
    page.locator("#result_list tbody tr").filter(has_not_text="Ditutup").first.get_by_role("link").first.click()
    page.wait_for_load_state()
    number = re.search(r"\d{2}\.\d{2}-\d{4}-\d{5}", page.locator("#content").inner_text()).group(0)
    case_url = page.url

    # They record the person's request, received at their desk, to correct her phone number.
    object_tool(page, "Permintaan perbaikan")
    expect(page.get_by_role("heading", name="Catat permintaan perbaikan")).to_be_visible()
    page.get_by_label("data yang diperbaiki").select_option(label="nomor telepon")
    page.get_by_label("nilai perbaikan").fill(NEW_PHONE)
    page.get_by_label("bukti").select_option(label="KTP diperiksa")
    page.get_by_label("yang diperiksa").fill("KTP dan nomor di ponselnya dicek di loket")
    keep(page, "record")
    keep(page, "record-phone", phone=True)
    press(page, "Catat permintaan")
    expect_message(page, "Permintaan perbaikan sudah dicatat")

    # The data-protection officer finds it on their home and approves it: they read that one field only.
    officer = sign_in_elsewhere("dpo")
    keep(officer, "officer-home")
    open_work(officer, "Permintaan perbaikan menunggu keputusan saya")
    expect(officer.get_by_role("heading", name="Daftar permintaan perbaikan")).to_be_visible()
    officer.locator("#result_list tbody tr").filter(has_text=number).first.get_by_role("link").first.click()
    officer.wait_for_load_state()
    expect_field(officer, "Nilai perbaikan", NEW_PHONE)
    expect(officer.locator("#content")).not_to_contain_text("Tahap")  # no case content
    keep(officer, "request")
    keep(officer, "request-phone", phone=True)
    request_url = officer.url
    object_tool(officer, "Setujui dan terapkan")
    press(officer, "Setujui dan terapkan")
    expect_message(officer, "Permintaan disetujui dan data sudah diperbaiki")

    # The case shows the new number.
    page.goto(case_url)
    expect(page.locator("#content")).to_contain_text(NEW_PHONE)

    # The officer restricts the processing of her data, from the request's page.
    officer.goto(request_url)
    object_tool(officer, "Batasi pemrosesan")
    officer.get_by_label("alasan").select_option(label="Keselamatan yang bersangkutan")
    press(officer, "Batasi pemrosesan")
    expect_message(officer, "Pemrosesan dibatasi")

    # The office sees the restriction on the case, and its referral to another agency is refused.
    page.goto(case_url)
    expect(page.locator(".restricted-banner")).to_contain_text("Pemrosesan data dibatasi")
    keep(page, "case-restricted")
    keep(page, "case-restricted-phone", phone=True)
    object_tool(page, "Rujuk")
    choose_autocomplete(page, re.compile(r"^Ke\b"), "Lentera", "Lentera Asa Semarang")
    page.get_by_label("jenis").select_option(label="Pendampingan oleh LSM (NGO)")
    page.get_by_label("alasan rujukan").fill("Pendampingan usaha")
    press(page, "Simpan")
    expect(page.locator(".errornote")).to_contain_text(
        "Pemrosesan data orang ini dibatasi: datanya tidak boleh dibagikan ke instansi lain"
    )
    keep(page, "referral-refused")
    keep(page, "referral-refused-phone", phone=True)
