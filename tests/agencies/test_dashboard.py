"""The dashboards in the admin (issue 17 item 4): the reader's level from their grants, filters checked against what
they may read, figures only through figure_table (suppressed, incomplete, exact for the owning office), a list of
indicators, the tables as a background export, and a fixed number of queries whatever the districts and months.

The figures are written straight into the aggregate table (as the refresh writes them) with a finished refresh,
so each test states exactly which facts exist."""

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import dashboards, exports
from agencies.fastpath.formats import month_label
from agencies.models import Agency, Export, Figure, FigureRefresh, Role
from tests.agencies.conftest import reader
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/figure/"
DEC, NOV = datetime.date(2026, 12, 1), datetime.date(2026, 11, 1)


def store(*figures, failed=False):
    """The figures as the last refresh left them."""
    Figure.objects.bulk_create(Figure(**f) for f in figures)
    now = timezone.now()
    FigureRefresh.objects.create(status=FigureRefresh.Status.DONE, finished_at=now, rows=len(figures))
    if failed:
        FigureRefresh.objects.create(status=FigureRefresh.Status.FAILED, finished_at=now, error="OperationalError")


def intake(district, value, month=DEC, target_group=None):
    return {
        "indicator": "cases.intake",
        "district_id": district,
        "month": month,
        "value": value,
        "target_group": target_group,
    }


def stage(district, value, code="registered"):
    return {"indicator": "cases.cases", "district_id": district, "stage": code, "value": value}


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def intake_table(response) -> dict[str, str]:
    """The table of "Kasus terdaftar per bulan" (rows → the displayed figure)."""
    html = response.content.decode()
    start = html.index("Kasus terdaftar per bulan")
    table = html[html.index("<table", start) : html.index("</table>", start)]
    rows = re.findall(r"<th[^>]*scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", table, flags=re.S)
    return {re.sub(r"<[^>]+>|\s+", " ", k).strip(): re.sub(r"<[^>]+>", "", v).split()[0] for k, v in rows}


def region_table(response, heading="Kasus menurut kabupaten/kota") -> str:
    html = response.content.decode()
    start = html.index(heading)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</table>", start)]))


# Scope per role


def test_the_ministry_reads_the_national_dashboard_with_every_province(client, ministry_viewer):
    store(stage("33.74", 30), stage("35.10", 40), intake("33.74", 30), intake("35.10", 40))
    client.force_login(ministry_viewer)

    response = client.get(URL)

    assert response.status_code == 200
    page = text(response)
    assert "Dasbor nasional" in page
    assert "Beranda › Laporan › Dasbor nasional" in page
    for section in ("Kasus", "Pelatihan", "Hasil setelah pelatihan", "Rujukan dan pemulangan", "Anggaran"):
        assert f">{section}</h2>" in response.content.decode()
    by_region = region_table(response)
    assert "Kota Semarang" in by_region and "Kabupaten Banyuwangi" in by_region
    assert 'name="province"' in response.content.decode()
    assert "Data per " in page


def test_a_province_reads_its_own_districts_only(client, jateng_staff):
    store(stage("33.74", 30), stage("33.03", 20), stage("35.10", 40))
    client.force_login(jateng_staff)

    response = client.get(URL)

    page = text(response)
    assert "Dasbor Provinsi Jawa Tengah" in page
    by_region = region_table(response)
    assert "Kota Semarang" in by_region and "Kabupaten Purbalingga" in by_region
    assert "Banyuwangi" not in page  # not in the tables, not among the choices
    html = response.content.decode()
    assert 'name="province"' not in html and 'name="district"' in html


def test_a_district_reads_its_own_figures_exact(client, semarang_staff):
    store(intake("33.74", 3), intake("33.74", 2, month=NOV), intake("33.03", 40))
    client.force_login(semarang_staff)

    response = client.get(URL)

    assert "Dasbor Kota Semarang" in text(response)
    assert intake_table(response) == {"Nov 2026": "2", "Des 2026": "3"}
    html = response.content.decode()
    assert 'name="district"' not in html and 'name="province"' not in html
    assert "Purbalingga" not in text(response)


def test_the_ministry_reads_small_cells_as_a_star_with_the_footnote(client, ministry_viewer):
    store(stage("33.74", 3), stage("33.03", 40), stage("35.10", 50))
    client.force_login(ministry_viewer)

    response = client.get(URL)

    by_region = region_table(response)
    assert re.search(r"Kota Semarang \* ", by_region), by_region
    assert "Kabupaten Banyuwangi 50" in by_region
    page = text(response)
    assert "kurang dari 5 orang" in page
    assert "Catatan" in page


@pytest.mark.parametrize("role", [Role.NGO_CASEWORKER, Role.PARTNER_TRAINER])
def test_partners_and_ngos_have_no_dashboard(client, regions, role):
    kind = Agency.Kind.NGO if role == Role.NGO_CASEWORKER else Agency.Kind.POLICE
    user = reader(role, AgencyFactory(kind=kind, region=regions["33.74"]))
    store(intake("33.74", 30))
    client.force_login(user)

    home = client.get("/admin/").content.decode()

    assert "Dasbor" not in home
    assert client.get(URL).status_code == 404
    assert client.get(URL + "indicators/").status_code == 404
    assert client.get(URL + "1/change/").status_code == 404


def test_the_menu_leads_from_reports_to_the_dashboard(client, semarang_staff):
    store(intake("33.74", 3))
    client.force_login(semarang_staff)

    home = client.get("/admin/").content.decode()

    assert f'href="{URL}"' in home
    assert ">Dasbor<" in home


# Filters


def test_a_filter_narrows_the_figures_to_one_district(client, ministry_viewer):
    store(intake("33.74", 30), intake("35.10", 40))
    client.force_login(ministry_viewer)

    response = client.get(URL, {"district": "33.74"})

    assert "Banyuwangi" not in region_table(response, "Kasus terdaftar per bulan")
    assert intake_table(response) == {"Des 2026": "30"}
    # The default period is named first (the reader chose none: the page reads the last 24 months).
    first, last = month_label(_months_ago(ministry_viewer, 23)), month_label(_months_ago(ministry_viewer, 0))
    assert f"Disaring menurut: Periode dari {first} ; Periode sampai {last} ; Kabupaten/kota Kota Semarang" in text(
        response
    )


def test_a_period_filter_narrows_the_months(client, semarang_staff):
    store(intake("33.74", 3), intake("33.74", 2, month=NOV))
    client.force_login(semarang_staff)

    response = client.get(URL, {"period_from": "2026-12", "period_to": "2026-12"})

    assert intake_table(response) == {"Des 2026": "3"}


def _months_ago(reader_user, back: int) -> datetime.date:
    """The first of the month `back` months before the reader's current month (their office's time zone)."""
    return dashboards.months_before(dashboards.today_of(dashboards.reach_of(reader_user)), back)


def test_with_no_period_chosen_the_page_reads_the_last_24_months_and_shows_them_chosen(client, semarang_staff):
    this_month, first_read = _months_ago(semarang_staff, 0), _months_ago(semarang_staff, 23)
    older = _months_ago(semarang_staff, 30)
    store(
        intake("33.74", 3, month=this_month),
        intake("33.74", 2, month=first_read),
        intake("33.74", 7, month=older),
        intake("33.74", 9, month=datetime.date(2018, 3, 1)),
    )
    client.force_login(semarang_staff)

    response = client.get(URL)

    table = intake_table(response)
    assert len(table) == dashboards.DEFAULT_MONTHS == 24
    assert table[month_label(first_read)] == "2" and table[month_label(this_month)] == "3"
    assert month_label(older) not in table and "Mar 2018" not in table
    html = response.content.decode()
    first_key, last_key = dashboards.month_key(first_read), dashboards.month_key(this_month)
    period_from = html[html.index('<select name="period_from"') : html.index('<select name="period_to"')]
    period_to = html[html.index('<select name="period_to"') : html.index("</select>", html.index('"period_to" id'))]
    assert f'value="{first_key}" selected' in period_from and f'value="{last_key}" selected' in period_to
    assert f"Periode dari {month_label(first_read)} ; Periode sampai {month_label(this_month)}" in text(response)
    # The download carries the months the page shows, so the file holds the same tables.
    assert f'<input type="hidden" name="period_from" value="{first_key}">' in html
    assert f'<input type="hidden" name="period_to" value="{last_key}">' in html


def test_an_earlier_period_from_widens_the_window_and_any_month_reads_every_month(client, semarang_staff):
    this_month, older = _months_ago(semarang_staff, 0), _months_ago(semarang_staff, 30)
    store(
        intake("33.74", 3, month=this_month),
        intake("33.74", 7, month=older),
        intake("33.74", 9, month=datetime.date(2018, 3, 1)),
    )
    client.force_login(semarang_staff)

    widened = client.get(URL, {"period_from": dashboards.month_key(older), "period_to": ""})
    every = client.get(URL, {"period_from": "", "period_to": ""})

    table = intake_table(widened)
    assert table[month_label(older)] == "7" and table[month_label(this_month)] == "3" and "Mar 2018" not in table
    assert f'value="{dashboards.month_key(older)}" selected' in widened.content.decode()
    assert intake_table(every)["Mar 2018"] == "9"
    # and its download carries no period either: the file holds every month, as the page does
    assert 'type="hidden" name="period_from"' not in every.content.decode()


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"district": "35.10"}, "Kabupaten/kota: pilihan itu tidak ada untuk Anda."),
        ({"program": "abc"}, "Program: pilihan itu tidak ada untuk Anda."),
        ({"period_from": "2026-12", "period_to": "2026-11"}, "Periode sampai: akhir periode sebelum awalnya."),
    ],
)
def test_bad_filters_are_named_in_indonesian_and_no_figure_is_shown(client, jateng_staff, given, error):
    store(intake("33.74", 30), intake("35.10", 40))
    client.force_login(jateng_staff)

    response = client.get(URL, given)

    assert response.status_code == 200
    page = text(response)
    assert error in page
    assert "Kasus terdaftar per bulan" not in page


def test_a_district_outside_the_province_chosen_is_refused(client, ministry_viewer):
    store(intake("33.74", 30), intake("35.10", 40))
    client.force_login(ministry_viewer)

    response = client.get(URL, {"province": "35", "district": "33.74"})

    assert "Kabupaten/kota: tidak berada di provinsi yang dipilih." in text(response)


# Incomplete


def test_after_a_failed_refresh_every_figure_reads_incomplete_never_zero(client, semarang_staff):
    store(intake("33.74", 3), failed=True)
    client.force_login(semarang_staff)

    response = client.get(URL)

    page = text(response)
    assert "Angka ini tidak lengkap." in page
    assert set(intake_table(response).values()) == {"tidak"}  # "tidak lengkap"
    assert "tidak lengkap" in page


def test_before_any_refresh_the_page_says_the_figures_are_not_computed(client, semarang_staff):
    client.force_login(semarang_staff)

    page = text(client.get(URL))

    assert "Angka belum pernah dihitung." in page
    assert "Angka ini tidak lengkap." in page


# The list of indicators


def test_the_list_of_indicators_gives_what_each_counts_and_who_reads_it(client, semarang_staff):
    client.force_login(semarang_staff)

    response = client.get(URL)
    assert f'href="{URL}indicators/"' in response.content.decode()
    page = text(client.get(URL + "indicators/"))

    assert "Daftar indikator" in page
    assert "Pendataan per bulan" in page
    assert "Staf kabupaten/kota" in page
    assert "Realisasi" in page


def test_finance_approvers_read_the_budget_only(client, regions):
    user = reader(Role.FINANCE_APPROVER, DistrictOfficeFactory(region=regions["33.74"]))
    store(intake("33.74", 30))
    client.force_login(user)

    html = client.get(URL).content.decode()

    assert ">Anggaran</h2>" in html
    assert ">Kasus</h2>" not in html


# The export


def test_the_tables_download_as_csv_with_the_same_filters(
    client, semarang_staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_DIR = str(tmp_path)
    store(intake("33.74", 3), intake("33.74", 2, month=NOV))
    client.force_login(semarang_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/agencies/export/request/",
            {"kind": "agencies.dashboard", "format": "csv", "period_from": "2026-12", "next": URL},
        )

    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == Export.Status.DONE
    assert export.filters == {"period_from": "2026-12"}
    content = b"".join(exports.decrypted(exports.export_dir() / export.file_name)).decode("utf-8-sig")
    assert "Kasus: Kasus terdaftar per bulan" in content
    rows = list(csv.reader(io.StringIO(content)))
    assert ["Des 2026", "3"] in rows
    assert ["Nov 2026", "2"] not in rows


def test_an_export_with_a_district_outside_the_reader_s_scope_is_refused(client, jateng_staff, settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path)
    store(intake("33.74", 30), intake("35.10", 40))
    client.force_login(jateng_staff)

    client.post("/admin/agencies/export/request/", {"kind": "agencies.dashboard", "format": "csv", "district": "35.10"})

    assert not Export.objects.exists()


# Queries


def _many(districts: int, months: int) -> list[dict]:
    """Every dashboard indicator's facts for `districts` regencies of 4 provinces over `months` months."""
    codes = [f"{33 + p}.{d:02d}" for p in range(4) for d in range(1, districts // 4 + 1)]
    for code in codes:
        RegionFactory(code=code, name=f"Kabupaten {code}")
    start = DEC
    first_months = []
    for back in range(months):
        year, month = divmod(start.year * 12 + start.month - 1 - back, 12)
        first_months.append(datetime.date(year, month + 1, 1))
    rows = []
    for code in codes:
        rows.append(stage(code, 12))
        rows.append(
            {"indicator": "cases.cases", "district_id": code, "target_group": 10, "stage": "assessed", "value": 8}
        )
        for month in first_months:
            rows.append(intake(code, 9, month=month, target_group=10))
            for indicator, extra in [
                ("programs.enrollment", {"program": 1, "target_group": 10, "value": 7}),
                ("programs.completion_rate", {"program": 1, "target_group": 10, "value": 6, "base": 8}),
                ("programs.attendance_rate", {"program": 2, "target_group": 10, "value": 60, "base": 80}),
                ("programs.follow_ups_done", {"program": 1, "value": 6, "base": 9}),
                ("programs.follow_ups_overdue", {"program": 1, "value": 3}),
                ("programs.outcome_left_site", {"program": 1, "months_after": 3, "site": 1, "value": 5, "base": 9}),
                ("programs.outcome_business_running", {"program": 1, "months_after": 3, "value": 5, "base": 9}),
                ("programs.outcome_bpjs", {"program": 1, "months_after": 6, "value": 5, "base": 9}),
                ("programs.outcome_income", {"program": 1, "months_after": 6, "outcome": "under_1m", "value": 5}),
                ("cases.referrals_decided", {"outcome": "accepted", "value": 6}),
                ("cases.referral_days_to_decision", {"outcome": "accepted", "value": 30, "base": 6}),
                ("cases.repatriations", {"target_group": 10, "value": 6}),
                ("funding.committed", {"source": "1", "allocation": 1, "program": 1, "value": 5_000_000}),
                ("funding.paid", {"source": "1", "allocation": 1, "program": 1, "value": 4_000_000}),
            ]:
                rows.append({"indicator": indicator, "district_id": code, "month": month, **extra})
        for indicator, extra in [
            ("funding.ceiling", {"value": 50_000_000}),
            ("funding.realization", {"value": 40_000_000, "base": 50_000_000}),
        ]:
            rows.append(
                {"indicator": indicator, "district_id": code, "source": "1", "allocation": 1, "program": 1, **extra}
            )
    return rows


@pytest.mark.parametrize(("districts", "months"), [(8, 3), (80, 24)])
def test_the_national_dashboard_reads_in_under_50_queries_whatever_the_districts_and_months(
    client, ministry_viewer, districts, months
):
    store(*_many(districts, months))
    client.force_login(ministry_viewer)
    client.get(URL)  # the session and the menu's kept copy, as on any later page

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)

    assert response.status_code == 200
    print(f"\n{districts} districts x {months} months: {len(queries)} queries")
    print("\n".join(q["sql"][:150] for q in queries))
    assert len(queries) < 50, "\n".join(q["sql"][:160] for q in queries)
    assert "tidak lengkap" not in text(response)
    # a table's read may run as a prepared statement (FIGURES_COMPILED), named after the table it reads, and the
    # tables together as one (FIGURES_BATCHED, once the page before noted which it reads)
    tables = [q["sql"] for q in queries if re.search(r'FROM "agencies_figure"|agencies_figure_\d', q["sql"])]
    # only the aggregate table: no case, enrollment or ledger row is read
    assert not [
        q["sql"] for q in queries if re.search(r'FROM "(cases_case|programs_enrollment|funding_ledgerentry)"', q["sql"])
    ]
    assert tables


@pytest.mark.parametrize("chosen", [{}, {"district": "33.74", "period_from": "2026-11"}, {"province": "99"}])
def test_the_lean_filter_selects_are_the_html_django_s_templates_give(ministry_viewer, settings, chosen):
    # DASHBOARD_LEAN_SELECT writes the filters' <select>s in Python; off, Django's widget templates draw them.
    from agencies import dashboards

    reach = dashboards.reach_of(ministry_viewer)
    choices = dashboards.Choices(
        months=[("2026-12", "Des 2026"), ("2026-11", "Nov 2026")],
        provinces=[("33", "Jawa Tengah"), ("35", "Jawa Timur")],
        districts=[("33.74", "Kota Semarang"), ("35.10", 'Kab. <Banyuwangi> & "Sekitarnya"')],
        programs=[("1", "Pelatihan 'Menjahit'")],
        target_groups=[("10", "Tuna susila")],
    )

    def drawn(lean: bool) -> list[str]:
        settings.DASHBOARD_LEAN_SELECT = lean
        form = dashboards.DashboardFilterForm(chosen, reach=reach, choices=choices)
        form.is_valid()
        return [str(field) for field in form]

    assert drawn(True) == drawn(False)
    assert "&lt;Banyuwangi&gt; &amp; &quot;Sekitarnya&quot;" in "".join(drawn(True))


def test_kept_filter_choices_are_those_read_and_follow_the_next_refresh(client, ministry_viewer, settings):
    # DASHBOARD_CHOICES_MEMO keeps the keys the reader's figures carry under the last refresh; off, read every page.
    def district_choices() -> list[str]:
        response = client.get(URL)
        return re.findall(r'<option value="(\d\d\.\d\d)"', response.content.decode())

    store(intake("33.74", 10), stage("35.10", 20))
    client.force_login(ministry_viewer)
    settings.DASHBOARD_CHOICES_MEMO = False
    read_each_time = district_choices()
    settings.DASHBOARD_CHOICES_MEMO = True
    assert district_choices() == district_choices() == read_each_time == ["33.74", "35.10"]

    Figure.objects.all().delete()
    store(intake("33.03", 10))  # a later refresh: other figures

    assert district_choices() == ["33.03"]


def _page(client, chosen: dict) -> str:
    """The dashboard's HTML less what differs on every response (the CSRF token's mask, the CSP nonce)."""
    response = client.get(URL, chosen)
    assert response.status_code == 200
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", html)


@pytest.mark.parametrize("switch", ["FIGURES_BATCHED", "DASHBOARD_FORMAT_MEMO"])
@pytest.mark.parametrize("reader_name", ["ministry_viewer", "jateng_staff", "semarang_staff"])
@pytest.mark.parametrize("chosen", [{}, {"period_from": "2026-11", "program": "1"}])
def test_the_fast_paths_draw_the_very_page_the_plain_reads_draw(client, request, settings, switch, reader_name, chosen):
    # Each switch off is the plain path: tables read one statement each, numbers and months localized anew.
    store(
        *_many(8, 3),
        stage("33.74", 3),  # small cells: suppressed for all but Semarang's own staff, and their partners
        stage("35.10", 2, code="assessed"),
        intake("33.74", 1, month=NOV),
        {"indicator": "funding.paid", "district_id": "33.74", "month": NOV, "source": "1", "program": 1, "value": 0},
    )
    client.force_login(request.getfixturevalue(reader_name))
    setattr(settings, switch, False)
    plain = _page(client, chosen)
    setattr(settings, switch, True)
    first, kept = _page(client, chosen), _page(client, chosen)  # the second from what the first noted or kept

    assert first == kept == plain
    assert "Rp" in plain and "Des 2026" in plain


def test_a_kept_plan_reads_every_table_in_one_statement(client, ministry_viewer, settings):
    # FIGURES_BATCHED: the first page notes which tables it reads; the next reads them together, each its own rows.
    store(*_many(8, 3))
    client.force_login(ministry_viewer)
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        client.get(URL)

    reads = [q["sql"] for q in queries if 'FROM "agencies_figure"' in q["sql"] or "agencies_figure_" in q["sql"]]
    assert len(reads) == 1, reads
    settings.FIGURES_BATCHED = False
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert len([q for q in queries if "agencies_figure_" in q["sql"] or 'FROM "agencies_figure"' in q["sql"]]) >= 20


def test_the_budget_by_funding_source_is_drawn_in_rupiah(client, regions):
    # Its first series is the realization's base (the ceiling): the chart's scale is Rupiah, not the realization's %.
    from tests.funding.factories import FundingSourceFactory

    source = FundingSourceFactory()
    money = {"district_id": "33.74", "source": source.pk}
    store(
        {"indicator": "funding.realization", **money, "value": 40_000_000, "base": 100_000_000},
        {"indicator": "funding.committed", **money, "month": DEC, "value": 60_000_000},
        {"indicator": "funding.paid", **money, "month": DEC, "value": 40_000_000},
    )
    client.force_login(reader(Role.FINANCE_APPROVER, DistrictOfficeFactory(region=regions["33.74"])))

    html = client.get(URL).content.decode()

    start = html.index('class="chart-svg"', html.index("Pagu, komitmen dan pembayaran menurut sumber dana"))
    chart = html[start : html.index("</svg>", start)]
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert any(tick.startswith("Rp") for tick in ticks), ticks
    assert not [tick for tick in ticks if tick.endswith("%")], ticks
