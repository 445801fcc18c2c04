"""Leadership, a province office and a district office read their dashboard (issue 17 item 4), by clicking: the home
→ Laporan → Dasbor → a filter → a chart's table and a section's figures in Indonesian → Daftar indikator → the
tables as XLSX, found in "Ekspor saya". The demo computed its figures when it was loaded (load_demo), and the
browser suite runs Celery tasks in-process, so the file is written when the request commits."""

import re

import pytest
from playwright.sync_api import expect

from agencies import dashboards
from agencies.fastpath.formats import month_label
from agencies.models import User
from tests.browser.steps import PHONE, expect_message, expect_no_iso_dates, open_list, press, shot, table_texts

STAGES = {"Terdaftar", "Diasesmen", "Direncanakan", "Dalam intervensi", "Reintegrasi", "Bimbingan lanjut", "Ditutup"}


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


def _keep(page, role, name, *, phone=False, printed=False):
    # Under tests/browser/artifacts/; printed: as the browser lays the page out on A4 paper.
    if printed:
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(page, role, name, phone=phone)
    if printed:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})


def chart(page, title):
    return page.locator("figure.chart").filter(has=page.locator("figcaption", has_text=re.compile(f"^{title}$"))).first


def open_dashboard(page, heading):
    # Laporan → Dasbor, from the home's menu
    expect(page.get_by_role("link", name="Laporan")).to_be_visible()
    open_list(page, "Dasbor")
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator(".breadcrumbs")).to_have_text(re.compile(rf"Beranda\s*›\s*Laporan\s*›\s*{heading}"))
    expect(page.locator(".dashboard-as-of")).to_contain_text(
        re.compile(r"Data per \d{1,2} \w{3} \d{4} \d{2}\.\d{2} WI")
    )


def read_the_figures(page):
    # a chart's table: the cases by stage, named in Indonesian
    header, rows = table_texts(chart(page, "Kasus menurut tahap").locator("table"))
    assert header[-1] == "orang", header
    assert rows and {row[0] for row in rows} <= STAGES, rows
    assert all(re.match(r"(\d[\d.]*|\*)( \(.+\))?$", row[1]) for row in rows), rows
    # a section's figures and what they mean
    budget = page.locator("#section-budget")
    expect(budget.get_by_role("heading", name="Anggaran")).to_be_visible()
    expect(budget).to_contain_text("Pagu, komitmen dan pembayaran menurut sumber dana")
    expect(budget.locator(".dashboard-meaning").first).to_contain_text("Pagu")
    expect(budget.locator("table").first).to_contain_text(re.compile(r"Rp\d"))
    expect(page.locator("#section-training")).to_contain_text(
        "Kunjungan pemantauan yang jatuh tempo dan yang dilakukan"
    )
    expect(page.locator("#section-outcomes")).to_contain_text("Hasil menurut bulan setelah selesai pelatihan")
    expect(page.locator("#section-referrals")).to_contain_text("Pemulangan per bulan")
    expect(page.locator(".dashboard-footnotes")).to_contain_text("Catatan")
    expect_no_iso_dates(page)


def indicators_then_back(page, heading):
    page.get_by_role("link", name="Daftar indikator").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Daftar indikator", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Pendataan per bulan"))
    expect(row).to_contain_text("orang")
    expect(row).to_contain_text("Pimpinan (hanya melihat)")
    page.locator(".breadcrumbs").get_by_role("link", name=heading).click()
    page.wait_for_load_state()


def download_xlsx(page):
    page.locator(".dashboard-download").get_by_role("button", name="XLSX").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Ekspor saya", level=1)).to_be_visible()
    expect_message(page, "Ekspor Anda sudah siap: unduh di bawah ini.")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Tabel dasbor")
    expect(row).to_contain_text("Siap diunduh")
    with page.expect_download() as download:
        row.get_by_role("link", name="Unduh").click()
    assert open(download.value.path(), "rb").read(2) == b"PK"  # noqa: SIM115 - an XLSX is a zip


def test_leadership_read_the_national_dashboard(page, sign_in):
    sign_in("pimpinan")
    open_dashboard(page, "Dasbor nasional")
    regions = chart(page, "Kasus menurut kabupaten/kota")
    _header, rows = table_texts(regions.locator("table"))
    assert {"Kabupaten Banyuwangi", "Kota Semarang"} <= {row[0] for row in rows}, rows
    _keep(page, "pimpinan", "national-desktop")
    _keep(page, "pimpinan", "national-phone", phone=True)
    _keep(page, "pimpinan", "national-print", printed=True)

    # a filter: one province
    page.get_by_role("combobox", name="Provinsi").select_option(label="Jawa Tengah")
    press(page, "Tampilkan")
    expect(page.locator(".dashboard-chosen")).to_contain_text("Provinsi Jawa Tengah")
    _header, rows = table_texts(chart(page, "Kasus menurut kabupaten/kota").locator("table"))
    assert "Kabupaten Banyuwangi" not in {row[0] for row in rows}, rows
    read_the_figures(page)
    indicators_then_back(page, "Dasbor nasional")
    download_xlsx(page)


def test_a_province_office_reads_its_districts(page, sign_in):
    sign_in("provinsi")
    open_dashboard(page, "Dasbor Provinsi Jawa Tengah")
    expect(page.get_by_role("combobox", name="Provinsi")).to_have_count(0)
    options = page.get_by_role("combobox", name="Kabupaten/kota").locator("option").all_text_contents()
    assert "Kabupaten Banyuwangi" not in options and "Kota Semarang" in options, options

    page.get_by_role("combobox", name="Kabupaten/kota").select_option(label="Kabupaten Purbalingga")
    press(page, "Tampilkan")
    expect(page.locator(".dashboard-chosen")).to_contain_text("Kabupaten/kota Kabupaten Purbalingga")
    read_the_figures(page)
    indicators_then_back(page, "Dasbor Provinsi Jawa Tengah")
    download_xlsx(page)


def test_a_district_office_reads_its_own_figures(page, sign_in):
    sign_in("kabupaten")
    open_dashboard(page, "Dasbor Kabupaten Banyuwangi")
    expect(page.get_by_role("combobox", name="Kabupaten/kota")).to_have_count(0)
    # its own figures exact: no cell hidden in the cases by site of origin
    sites = chart(page, "Kasus menurut lokasi asal")
    _header, rows = table_texts(sites.locator("table"))
    assert rows and all(row[1] != "*" for row in rows), rows
    _keep(page, "kabupaten", "district-desktop")
    _keep(page, "kabupaten", "district-phone", phone=True)
    _keep(page, "kabupaten", "district-print", printed=True)

    # with no period chosen it reads the last 24 months up to this month, and the form says so
    today = dashboards.today_of(dashboards.reach_of(User.objects.get(username="kabupaten")))
    first, last = dashboards.default_period(today)
    expect(page.get_by_role("combobox", name="Periode dari")).to_have_value(dashboards.month_key(first))
    expect(page.get_by_role("combobox", name="Periode sampai")).to_have_value(dashboards.month_key(last))
    expect(page.locator(".dashboard-chosen")).to_contain_text(f"Periode dari {month_label(first)}")
    # widened to every month stored: the period's start is no longer among the filters
    page.get_by_role("combobox", name="Periode dari").select_option(label="(semua bulan)")
    press(page, "Tampilkan")
    expect(page.get_by_role("combobox", name="Periode dari")).to_have_value("")
    expect(page.locator(".dashboard-chosen")).not_to_contain_text("Periode dari")

    # a bad period is named, in Indonesian
    page.get_by_role("combobox", name="Periode dari").select_option(index=1)
    page.get_by_role("combobox", name="Periode sampai").select_option(index=2)
    press(page, "Tampilkan")
    expect(page.locator(".dashboard-errors")).to_contain_text("Periode sampai: akhir periode sebelum awalnya.")
    # a good one: this month onwards
    page.get_by_role("combobox", name="Periode sampai").select_option(index=0)
    press(page, "Tampilkan")
    expect(page.locator(".dashboard-errors")).to_have_count(0)
    read_the_figures(page)
    indicators_then_back(page, "Dasbor Kabupaten Banyuwangi")
    download_xlsx(page)


def test_the_dashboard_reads_on_a_phone_with_charts_stacked_and_tables_in_their_box(page, sign_in):
    sign_in("pimpinan")
    open_dashboard(page, "Dasbor nasional")
    page.set_viewport_size(PHONE)
    # nothing wider than the phone but the tables' own scrolling boxes
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    graphic = page.locator(".chart-graphic").first.bounding_box()
    data = page.locator(".chart-data").first.bounding_box()
    assert data["y"] >= graphic["y"] + graphic["height"] - 1  # the table under its chart
