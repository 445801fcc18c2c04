"""Province staff of Jawa Tengah issue a field app's token to an NGO of their province, then open the API's
documentation from the page that shows the token, for the NGO's developers: served by this server alone (offices'
networks filter CDNs), nothing fetched from elsewhere."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser import steps


def test_province_staff_issue_an_ngo_token_and_reach_the_api_documentation_from_it(page, sign_in, demo):
    sign_in("provinsi")
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url) if not request.url.startswith(demo) else None)

    steps.add_from_home(page, "Klien API")
    page.get_by_label("Instansi").select_option(label="Lentera Asa Semarang")
    page.get_by_label("Nama").fill("Aplikasi lapangan kedua")
    steps.press(page, "Simpan")

    expect(page.locator("#content")).to_contain_text("Token ini hanya ditampilkan satu kali ini")
    expect(page.locator("code.api-token")).to_have_text(re.compile(r"^rhb_"))
    steps.shot(page, "provinsi", "api-token", phone=True)
    page.get_by_role("link", name="Dokumentasi API").click()

    expect(page.locator(".swagger-ui .title")).to_contain_text("Rehabilitasi Sosial partner API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert urlsplit(page.url).path == "/api/v1/docs/"
    steps.shot(page, "provinsi", "api-docs", phone=True)
    assert elsewhere == [], elsewhere
