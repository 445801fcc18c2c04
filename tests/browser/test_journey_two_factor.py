"""Issue 18 §1, §2, §4 in a real browser: a new member of staff sets up an authenticator at their first sign-in and
signs in again with a code and with a recovery code; wrong passwords lock one username at one address until the
cool-off passes; revealing a NIK after the step-up window asks for the code again."""

import base64
import datetime
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from agencies.models import Agency, Role, User
from cases.models import Case
from tests.agencies.factories import MembershipFactory
from tests.browser import steps
from tests.browser.conftest import PASSWORD
from tests.conftest import current_code

NEW_PASSWORD = "secret-pass-123"  # tests.agencies.factories.UserFactory's


@pytest.fixture
def id_page(chromium, demo):
    """A browser in Indonesian: before signing in, pages speak the browser's language (the account's after)."""
    context = chromium.new_context(base_url=demo, viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def shots(page: Page, name: str) -> None:
    """The page at a desktop's width and at a phone's (390 px), under tests/browser/artifacts/ as
    journey-two-factor-<name>-1280.png and -390.png."""
    steps.shot(page, "two-factor", f"{name}-1280")
    steps.shot(page, "two-factor", f"{name}-390", phone=True)
    before = page.viewport_size
    page.set_viewport_size(steps.PHONE)
    # Nothing wider than the phone: no sideways scrolling on the sign-in's pages.
    assert page.evaluate("document.documentElement.scrollWidth") <= steps.PHONE["width"], name
    page.set_viewport_size(before)


def code_from_key(key_text: str, last_step: int = -1) -> str:
    """What an authenticator app shows for a key typed in by hand: RFC 6238, 30-second steps, six digits; a step
    after `last_step` (a code is accepted once)."""
    key = base64.b32decode(key_text.replace(" ", "") + "=" * (-len(key_text.replace(" ", "")) % 8))
    clock = TOTP(key, step=30, t0=0, digits=6)
    clock.time = time.time()
    while clock.t() <= last_step:
        time.sleep(1)
        clock.time = time.time()
    return f"{clock.token():06d}"


def password_step(page: Page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def sign_out(page: Page) -> None:
    page.locator("#logout-form button").click()
    page.wait_for_load_state()
    page.goto("/")


def test_a_new_member_sets_up_the_app_and_signs_in_with_a_code_and_with_a_recovery_code(id_page):
    page = id_page
    semarang = Agency.objects.get(name="Dinas Sosial Kota Semarang")
    user = MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang, user__username="siti.baru").user

    page.goto("/")
    expect(page.get_by_role("button", name="Masuk")).to_be_visible()
    shots(page, "login")
    password_step(page, "siti.baru", NEW_PASSWORD)

    expect(page.get_by_role("heading", name="Pasang aplikasi autentikator")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    key = page.locator("#otp-key").inner_text()
    shots(page, "enrolment")
    page.fill("#id_code", "123456" if code_from_key(key) != "123456" else "654321")
    page.click("#setup-form input[type=submit]")
    expect(page.locator(".errornote")).to_contain_text("Kode salah atau sudah kedaluwarsa")
    page.fill("#id_code", code_from_key(key))
    page.click("#setup-form input[type=submit]")
    page.wait_for_load_state()

    expect(page.get_by_role("heading", name="Kode pemulihan")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shots(page, "recovery-codes")
    page.get_by_role("link", name="Sudah saya simpan: lanjutkan").click()
    expect(page.get_by_role("heading", name="Pekerjaan saya")).to_be_visible()

    sign_out(page)
    password_step(page, "siti.baru", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Masukkan kode dari aplikasi autentikator Anda")).to_be_visible()
    shots(page, "code")
    last = User.objects.get(pk=user.pk).totpdevice_set.get().last_t
    page.fill("#id_code", code_from_key(key, last_step=last))
    page.click("#code-form input[type=submit]")
    expect(page.get_by_role("heading", name="Pekerjaan saya")).to_be_visible()

    sign_out(page)
    password_step(page, "siti.baru", NEW_PASSWORD)
    page.get_by_text("Tidak membawa ponsel? Pakai kode pemulihan").click()
    page.fill("#id_recovery_code", codes[0])
    page.get_by_role("button", name="Pakai kode pemulihan").click()
    expect(page.get_by_role("heading", name="Pekerjaan saya")).to_be_visible()
    steps.expect_message(page, "Anda masuk dengan kode pemulihan; tersisa 9")


def test_a_locked_out_person_reads_when_to_try_again_waits_and_signs_in(id_page, settings):
    page = id_page
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=4)
    page.goto("/")
    for _attempt in range(2):
        password_step(page, "kabupaten", "bukan-kata-sandinya")
        expect(page.locator(".errornote")).to_be_visible()
    password_step(page, "kabupaten", "bukan-kata-sandinya")

    message = page.locator("#lockout-message")
    expect(page.get_by_role("heading", name="Terlalu banyak percobaan yang gagal")).to_be_visible()
    expect(message).to_contain_text(re.compile(r"Coba lagi pukul \d{2}\.\d{2}"))
    shots(page, "lockout")
    page.get_by_role("link", name="Kembali ke halaman masuk").click()
    password_step(page, "kabupaten", PASSWORD)  # the right password, still within the cool-off
    expect(page.get_by_role("heading", name="Terlalu banyak percobaan yang gagal")).to_be_visible()

    time.sleep(4.5)
    page.get_by_role("link", name="Kembali ke halaman masuk").click()
    password_step(page, "kabupaten", PASSWORD)
    page.fill("#id_code", current_code(User.objects.get(username="kabupaten")))
    page.click("#code-form input[type=submit]")
    expect(page.get_by_role("heading", name="Pekerjaan saya")).to_be_visible()


def test_revealing_a_nik_after_the_step_up_window_asks_for_the_code_again(page, sign_in, settings):
    banyuwangi = Agency.objects.get(name="Dinas Sosial Kabupaten Banyuwangi")
    number = Case.objects.filter(owner=banyuwangi, person__nik_hash__isnull=False).order_by("pk").first().number
    sign_in("kabupaten")
    steps.open_list(page, "Kasus")
    steps.search_list(page, number)
    steps.open_row(page, number)

    settings.STEP_UP_MINUTES = 0  # the code given at sign-in is now too old
    page.get_by_role("link", name="Tampilkan NIK").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Konfirmasi bahwa ini Anda")).to_be_visible()
    shots(page, "step-up")

    settings.STEP_UP_MINUTES = 5
    page.fill("#id_code", current_code(User.objects.get(username="kabupaten")))
    page.click("#code-form input[type=submit]")
    page.wait_for_load_state()
    page.get_by_role("button", name="Tampilkan NIK").click()
    page.wait_for_load_state()
    expect(page.locator("#content code")).to_have_text(re.compile(r"^\d{16}$"))
