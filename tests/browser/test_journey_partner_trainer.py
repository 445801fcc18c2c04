"""A partner trainer (Polres Kotawaringin Timur) takes today's attendance of the Sampit baking class, by clicking.

The class has three sessions: yesterday's by the district office (already recorded), today's by Polres, and
tomorrow's by Kemenag. A partner may tick only its own session, once it has begun. While the trainer corrects the
grid, the district's coordinator withdraws one participant in another window: the save is refused, nothing is
saved, the trainer's ticks stay on the form with the reason, and saving again takes what the trainer ticked.
"""

import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.steps import (
    PHONE,
    as_read,
    expect_message,
    expect_no_iso_dates,
    filter_list,
    object_tool,
    open_list,
    open_row,
    press,
    run_action,
    shot,
)

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


def test_partner_trainer_takes_todays_attendance_on_a_phone(page, sign_in):
    """At the venue, on a 390 px phone: the batch's page → "Catat kehadiran" opens today's Polres session by itself;
    "Tandai semua hadir" fills every row, one person left early, "Simpan kehadiran", and the page reads the result."""
    page.set_viewport_size(PHONE)
    sign_in(ROLE)
    open_list(page, "Angkatan")
    filter_list(page, "Berlangsung")
    open_row(page, SAMPIT)
    object_tool(page, "Catat kehadiran")

    today = as_read(timezone.localdate())
    expect(page.get_by_role("heading", name=re.compile(f"{today} · hari ini · Kamtibmas"))).to_be_visible()
    # The other agencies' sessions are not offered: Polres delivers one, so there is nothing to choose between.
    expect(page.locator("#att-session")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Sesi (sebelumnya|berikutnya)"))).to_have_count(0)
    rows = page.locator(".att-row")
    people = rows.count()
    assert people > 1
    expect(rows.filter(has_text="Belum dicatat")).to_have_count(people)
    expect(page.locator(".att-counts")).to_contain_text(f"Belum dicatat: {people}")
    # Names only: a partner reads no case number.
    expect(page.locator(".att")).not_to_contain_text(CASE_NUMBER)
    assert_fits_the_phone(page)
    shot_as(page, "phone-before")

    page.get_by_role("button", name="Tandai semua hadir").click()
    left_early = rows.last
    name = left_early.locator("legend").inner_text().splitlines()[0].strip()
    left_early.get_by_role("radio", name="Tidak hadir").check()
    for i in range(people - 1):
        expect(rows.nth(i).get_by_role("radio", name="Hadir", exact=True)).to_be_checked()
    expect(page.locator(".att-save")).to_contain_text("belum disimpan")
    shot_as(page, "phone-chosen")
    press(page, "Simpan kehadiran")

    expect_message(page, f"Kehadiran {today} Kamtibmas disimpan: {people - 1} hadir, 1 tidak hadir, 0 belum dicatat.")
    expect(page.locator(".att-counts")).to_contain_text(f"Hadir: {people - 1}")
    expect(page.locator(".att-counts")).to_contain_text("Tidak hadir: 1")
    expect(page.locator(".att-counts")).to_contain_text("Belum dicatat: 0")
    absent = rows.filter(has_text=name)
    expect(absent.get_by_role("radio", name="Tidak hadir")).to_be_checked()
    expect(absent).to_have_attribute("data-state", "absent")
    expect(rows.filter(has_text="Belum dicatat")).to_have_count(0)
    expect_no_iso_dates(page)
    assert_fits_the_phone(page)
    shot_as(page, "phone-saved")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot_as(page, "desktop-saved")


def test_the_coordinator_steps_back_to_yesterdays_session_on_a_phone(page, sign_in):
    """The district's coordinator (kotim) may record every session of the class: today's opens first, and
    "Sesi sebelumnya" shows yesterday's baking class as recorded, with each person's case number beside the name."""
    page.set_viewport_size(PHONE)
    sign_in("kotim")
    open_list(page, "Angkatan")
    filter_list(page, "Berlangsung")
    open_row(page, SAMPIT)
    object_tool(page, "Catat kehadiran")
    today = timezone.localdate()
    expect(page.get_by_role("heading", name=re.compile(f"{as_read(today)} · hari ini · Kamtibmas"))).to_be_visible()
    expect(page.locator("#att-session option")).to_have_count(3)

    page.get_by_role("link", name="‹ Sesi sebelumnya").click()
    page.wait_for_load_state()

    yesterday = as_read(today - timezone.timedelta(days=1))
    expect(page.get_by_role("heading", name=re.compile(f"{yesterday} · Tata boga"))).to_be_visible()
    rows = page.locator(".att-row")
    expect(page.locator(".att-counts")).to_contain_text("Belum dicatat: 0")
    expect(rows.first).to_contain_text(CASE_NUMBER)
    expect(rows.locator("input[type=radio]:checked")).to_have_count(rows.count())
    expect(page.get_by_role("link", name="Sesi berikutnya ›")).to_be_visible()
    assert_fits_the_phone(page)
    shot_as(page, "coordinator-yesterday")


def assert_fits_the_phone(page) -> None:
    """Nothing pushes the page wider than the phone: no sideways scrolling; every choice is a thumb's size."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    for box in page.locator(".att-choice label").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)"):
        assert box >= 44, f"a choice is {box} px tall"


def shot_as(page, step: str) -> None:
    shot(page, ROLE, f"attendance-{step}")  # tests/browser/artifacts/journey-mitra-attendance-<step>.png
