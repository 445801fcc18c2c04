"""A partner trainer (Polres Kotawaringin Timur) takes today's attendance of the Sampit baking class, by clicking.

The class has three sessions: yesterday's by the district office (already recorded), today's by Polres, and
tomorrow's by Kemenag. A partner may tick only its own session, once it has begun. While the trainer corrects the
grid, the district's coordinator withdraws one participant in another window: the save is refused, nothing is
saved, the trainer's ticks stay on the form with the reason, and saving again takes what the trainer ticked.
"""

import re

from playwright.sync_api import expect

from tests.browser.steps import expect_message, filter_list, object_tool, open_list, open_row, run_action, shot

ROLE = "mitra"
SAMPIT = "Pelatihan Membuat Kue bagi Penghuni Lokalisasi Pasir Putih"
CASE_NUMBER = re.compile(r"62\.02-\d{4}-\d{5}")
POLRES = re.compile("Kamtibmas")  # today's session: public order, by Polres
OTHERS = [re.compile("Tata boga"), re.compile("Bimbingan kerohanian")]  # the district's and Kemenag's


def open_roster(page) -> None:
    """Home → Angkatan → running → the Sampit class → Daftar peserta dan kehadiran."""
    open_list(page, "Angkatan")
    filter_list(page, "Berlangsung")
    open_row(page, SAMPIT)
    object_tool(page, "Daftar peserta dan kehadiran")
    expect(page.get_by_role("heading", name=re.compile(SAMPIT))).to_be_visible()


def polres_boxes(page):
    return page.get_by_role("checkbox", name=POLRES)


def polres_box(page, number: str):
    """Today's box of one participant, by the case number its label reads ("4 Des Kamtibmas: 62.02-…")."""
    return page.get_by_role("checkbox", name=re.compile(f"Kamtibmas: {re.escape(number)}"))


def withdraw_elsewhere(sign_in_elsewhere, number: str) -> None:
    """The district coordinator (kotim), at their own desk, withdraws one participant from the class."""
    coordinator = sign_in_elsewhere("kotim")
    open_list(coordinator, "Pendaftaran peserta")
    run_action(coordinator, number, "Tarik pendaftaran peserta yang dipilih")
    expect_message(coordinator, "1 pendaftaran peserta ditarik.")


def test_partner_trainer_ticks_todays_own_session_and_a_refused_save_keeps_the_ticks(page, sign_in, sign_in_elsewhere):
    sign_in(ROLE)
    open_roster(page)

    # Only today's Polres column can be ticked: the district's and Kemenag's show no box.
    boxes = polres_boxes(page)
    participants = page.locator("tbody tr").filter(has_text=CASE_NUMBER)
    expect(boxes).to_have_count(participants.count())
    for other in OTHERS:
        expect(page.get_by_role("checkbox", name=other)).to_have_count(0)
    for i in range(boxes.count()):
        boxes.nth(i).check()
    shot(page, ROLE, "roster")
    shot(page, ROLE, "roster-phone", phone=True)
    page.get_by_role("button", name="Simpan kehadiran").click()
    page.wait_for_load_state()
    expect_message(page, "Kehadiran telah disimpan.")
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()

    # The coordinator withdraws the first participant while the trainer marks the last one absent after all.
    withdrawn = CASE_NUMBER.search(participants.first.inner_text()).group()
    left_early = polres_box(page, CASE_NUMBER.search(participants.last.inner_text()).group())
    withdraw_elsewhere(sign_in_elsewhere, withdrawn)
    left_early.uncheck()
    page.get_by_role("button", name="Simpan kehadiran").click()
    page.wait_for_load_state()

    expect(page.locator(".errornote")).to_contain_text("Tidak ada yang disimpan")
    refusal = page.locator(".errorlist").first
    expect(refusal).to_contain_text("tidak terdaftar sebagai peserta")
    refusal_text = refusal.inner_text()
    shot(page, ROLE, "refused")
    expect(left_early).not_to_be_checked()  # the trainer's correction is still on the form
    expect(polres_boxes(page)).to_have_count(participants.count() - 1)  # the withdrawn person has no box now

    page.get_by_role("button", name="Simpan kehadiran").click()
    page.wait_for_load_state()
    expect_message(page, "Kehadiran telah disimpan.")
    expect(left_early).not_to_be_checked()

    # The refusal told the trainer whom it was about by what the roster shows (the case number), not by a
    # database id such as "[60]".
    assert withdrawn in refusal_text, refusal_text
    assert not re.search(r"\[\d+\]", refusal_text), refusal_text
