"""The data-protection officer handles a subject-access request end to end (issue 18, Done when), by clicking: the
home → Pelindungan data → Permintaan akses → Tambah (the woman found by her case number) → Periksa identitas (the NIK
on her KTP) → Susun berkas → Unduh PDF and Unduh JSON (Indonesian headings inside) → Tandai diserahkan."""

import base64
import contextlib
import json
import re
import shutil
import subprocess
import zlib

import pytest
from playwright.sync_api import expect

from cases.models import Case, SubjectAccessRequest
from tests.browser.steps import ARTIFACTS, add_from_home, expect_message, expect_no_iso_dates, object_tool, press, shot

ROLE = "dpo"


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


def pdf_text(data: bytes) -> str:
    """The text drawn in a reportlab PDF: its page streams, ASCII85 and Flate decoded (no PDF library needed)."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        with contextlib.suppress(ValueError, zlib.error):
            raw = stream.strip()
            if raw.endswith(b"~>"):  # reportlab's ASCII85 ends with "~>" but does not start with "<~"
                raw = base64.a85decode(raw if raw.startswith(b"<~") else raw[:-2], adobe=raw.startswith(b"<~"))
            found.append(zlib.decompress(raw).decode("latin-1"))
    return "".join(found)


def test_the_officer_handles_a_subject_access_request_end_to_end(page, sign_in, tmp_path):
    # A Semarang woman with a NIK, other than the one whose request the demo left open.
    case = (
        Case.objects.filter(owner__region__code="33.74", person__nik_hash__isnull=False)
        .exclude(number__in=SubjectAccessRequest.objects.values("case_number"))
        .order_by("pk")
        .first()
    )
    sign_in(ROLE)
    # the home shows the open requests (the demo's one) under Pelindungan data
    expect(page.locator("body")).to_contain_text("Permintaan akses yang terbuka")
    expect(page.locator("body")).to_contain_text("Pelindungan data")

    # Pelindungan data → Permintaan akses → Tambah: found by her case number, typed into the form
    add_from_home(page, "Permintaan akses")
    shot(page, ROLE, "subject-access-add-phone", phone=True)
    page.get_by_label("Nomor kasus atau NIK").fill(case.number)
    page.get_by_label("Saluran").select_option(label="Datang langsung")
    press(page, "Simpan")
    expect_message(page, "Permintaan telah dicatat: periksa identitasnya berikutnya.")
    expect(page.locator("#content")).to_contain_text(case.number)
    expect(page.locator("#content")).not_to_contain_text(case.person.full_name)  # her data is in the bundle only
    assert case.number not in page.url

    # Periksa identitas: the NIK on the KTP she shows, compared with the record
    object_tool(page, "Periksa identitas")
    page.get_by_label("Cara identitasnya diperiksa").select_option(label="KTP ditunjukkan, NIK cocok dengan data")
    page.get_by_label("NIK pada kartu yang ditunjukkan").fill(case.person.nik)
    press(page, "Identitas diperiksa")
    expect_message(page, "Identitasnya sudah diperiksa: susun berkas berikutnya.")

    # Susun berkas, then both files
    page.locator(".object-tools").get_by_role("button", name="Susun berkas").click()
    page.wait_for_load_state()
    expect_message(page, "Berkas sudah siap")
    expect_no_iso_dates(page)
    shot(page, ROLE, "subject-access-request")
    shot(page, ROLE, "subject-access-request-phone", phone=True)

    with page.expect_download() as download:
        object_tool(page, "Unduh PDF")
    pdf = open(download.value.path(), "rb").read()  # noqa: SIM115
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for heading in ("Data pribadi dan jejak pemrosesan", "Data pribadi", "Catatan kasus", "Jejak pemrosesan"):
        assert heading in text
    assert "Yang tidak dimuat dalam berkas ini" in text
    assert download.value.suggested_filename.startswith("akses-data-")
    saved = tmp_path / "bundle.pdf"
    saved.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        command = ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(saved), str(tmp_path / "page")]
        subprocess.run(command, check=True)  # noqa: S603, S607 (a fixed command on our own file)
        # Beside the journey's screenshots (tests/browser/artifacts/), to read the bundle as its person would.
        ARTIFACTS.mkdir(exist_ok=True)
        for number, png in enumerate(sorted(tmp_path.glob("page-*.png")), start=1):
            shutil.copy(png, ARTIFACTS / f"journey-{ROLE}-subject-access-bundle-pdf-page{number}.png")

    with page.expect_download() as download:
        object_tool(page, "Unduh JSON")
    document = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert document["title"] == "Data pribadi dan jejak pemrosesan"
    titles = [section["title"] for section in document["sections"]]
    assert titles[0] == "Data pribadi" and "Catatan kasus" in titles
    assert ["NIK", case.person.nik] in document["sections"][0]["rows"]
    assert document["trail"]["rows"], "her processing trail is in the bundle"

    # Tandai diserahkan
    object_tool(page, "Tandai diserahkan")
    page.get_by_label("Cara penyerahan").select_option(label="Diserahkan langsung")
    press(page, "Diserahkan")
    expect_message(page, "Berkas ditandai sudah diserahkan.")
    expect(page.locator("#content")).to_contain_text("Diserahkan langsung")

    # the register lists it delivered, beside the demo's request still open
    page.locator(".breadcrumbs").get_by_role("link", name="Permintaan akses").click()
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text=case.number).first).to_contain_text("Diserahkan")
    expect(rows.filter(has_text="Diterima").first).to_be_visible()
    expect_no_iso_dates(page)
    shot(page, ROLE, "subject-access-list")
    shot(page, ROLE, "subject-access-list-phone", phone=True)
