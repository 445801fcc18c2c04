"""Sessions and the Content Security Policy in a real browser (issue 18 items 3 and 5): a district officer opens
"Sesi saya" from the header, sees her two browsers and ends the other one, which lands on the sign-in page; an
officer back after the idle limit is told why; and the pages people use most work under the policy, with no
violation reported by the browser."""

import re
import time

from django.conf import settings
from playwright.sync_api import expect
from qsessions.models import Session

from agencies import sessions
from agencies.models import User
from tests.browser.steps import expect_message, open_list, shot

ROLE = "kabupaten"


def helper_shot(page, name: str, *, phone: bool = False) -> None:
    """The journey's own screenshot under tests/browser/artifacts/ (desktop, or 390 px wide)."""
    shot(page, ROLE, name, phone=phone)


def test_an_officer_sees_her_two_sessions_and_ends_the_other_which_must_sign_in_again(page, sign_in, sign_in_elsewhere):
    other = sign_in_elsewhere(ROLE)  # her office computer, left signed in
    sign_in(ROLE)  # her phone, now

    page.locator("#user-tools").get_by_role("link", name="Sesi saya").click()
    page.wait_for_load_state()

    expect(page.locator("h1")).to_have_text("Sesi saya")
    cards = page.locator(".session-list li")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Browser ini")
    expect(cards.nth(1)).to_contain_text("Terakhir aktif")
    expect(cards.nth(1)).to_contain_text("127.0.0.1")
    expect(cards.nth(1)).to_contain_text(" Des 2026 ")
    helper_shot(page, "sessions-two")
    helper_shot(page, "sessions-two-phone", phone=True)

    cards.nth(1).get_by_role("button", name="Akhiri sesi ini").click()
    page.wait_for_load_state()

    expect_message(page, "Sesi itu diakhiri: browser tersebut harus masuk lagi.")
    expect(page.locator(".session-list li")).to_have_count(1)
    helper_shot(page, "sessions-ended")

    other.goto("/admin/cases/case/")
    expect(other).to_have_url(re.compile(r"/admin/login/"))
    expect(other.locator("#id_username")).to_be_visible()


def test_an_officer_back_after_the_idle_limit_is_told_why_on_the_sign_in_page(page, sign_in):
    sign_in(ROLE)
    # Her last request, moved back past the limit in the session itself, as an hour away from the desk leaves it.
    user = User.objects.get(username=ROLE)
    row = Session.objects.get(user=user)
    store = Session.get_session_store_class()(session_key=row.session_key)
    store[sessions.SEEN] = time.time() - settings.SESSION_IDLE_MINUTES * 60 - 5
    store.save()

    page.locator("#user-tools").get_by_role("link", name="Sesi saya").click()
    page.wait_for_load_state()

    expect(page.locator("#id_username")).to_be_visible()
    expect_message(page, "Sesi Anda berakhir setelah 30 menit tanpa aktivitas.")
    # In her account's language, though her browser asks for English.
    expect(page.locator("input[type=submit]")).to_have_value("Masuk")
    helper_shot(page, "idle-signed-out")
    helper_shot(page, "idle-signed-out-phone", phone=True)


def test_the_pages_people_use_most_work_under_the_content_security_policy(page, sign_in, demo):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: violations.append(str(error)))

    page.goto("/admin/login/")
    sign_in(ROLE)
    open_list(page, "Kasus")  # the case list, its filters and search
    page.locator("#result_list tbody tr a").first.click()  # a case page
    page.wait_for_load_state()
    page.goto("/admin/agencies/figure/")  # the dashboard: charts drawn on the server as SVG
    page.goto("/admin/programs/batch/")
    page.locator("#result_list tbody tr a").first.click()  # a batch page with its autocomplete pickers
    page.wait_for_load_state()
    for url in (
        "/admin/sessions/",
        "/admin/cases/possibleduplicate/",
        "/admin/agencies/export/",
        "/admin/agencies/monthlysnapshot/",
        "/admin/funding/disbursement/",
        "/admin/programs/followup/",
    ):
        page.goto(url)
        expect(page.locator("#content")).to_be_visible()
    page.goto("/api/v1/docs/")  # Swagger UI from our own files
    expect(page.locator(".swagger-ui").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()

    assert violations == []
