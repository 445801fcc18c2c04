"""Navigation per role (issue 16 §6): each role's menu holds the pages of its work, in the order of the work (Kasus,
Program, Pendanaan, Instansi, then the set-up pages under Pengaturan); the header names the person's office and role;
lists are titled "Daftar …"; a page left out of a role's menu is still the access rule's to open or refuse."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from agencies import access
from agencies.fastpath import admin_menu
from agencies.models import Role
from config.admin_site import MENU, PAGES
from tests.agencies.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CASES = ["Kasus", "Rujukan", "Kemungkinan data ganda", "Persetujuan", "Lokasi", "Penghitungan lokasi"]
PROGRAMS = ["Program", "Angkatan", "Pendaftaran peserta", "Pemantauan", "Hasil pemantauan"]
MONEY = ["Pencairan", "Hak bantuan", "Tahap pembayaran"]
BUDGETS = ["Alokasi anggaran", "Sumber dana", "Bantuan", "Catatan buku besar"]
REFERENCE = ["Wilayah", "Kelompok sasaran (PPKS)"]
# Everyone who may ask for some export (every role: the program report) finds their own under Laporan.
REPORTS = ["Ekspor saya"]
# Whoever some indicator names as its reader finds the dashboard first (agencies.dashboards), then the months'
# approved figures (agencies.snapshots): never partners or NGOs.
READS_FIGURES = ["Dasbor", "Angka bulanan", "Ekspor saya"]
# The record of processing activities (agencies.ropa), a page drawn from code (config.admin_site.PAGES).
RECORD = ["Catatan Aktivitas Pemrosesan Data Pribadi"]
# The privacy registers (issue 18): the officer decides; the owning office records and follows its requests; the
# province and auditors read them.
PRIVACY = ["Permintaan perbaikan", "Pembatasan pemrosesan"]

# What each role's menu holds, group by group, in order.
MENUS = {
    Role.DISTRICT_STAFF: {
        "Kasus": CASES,
        "Program": PROGRAMS,
        "Pendanaan": MONEY + BUDGETS,
        "Laporan": READS_FIGURES,
        "Pelindungan data": PRIVACY,
        "Instansi": ["Instansi", "Keanggotaan"],
        "Pengaturan": ["Klien API", "Notifikasi", *REFERENCE],
    },
    Role.PROVINCE_STAFF: {
        "Kasus": CASES,
        "Program": PROGRAMS,
        "Pendanaan": MONEY + BUDGETS,
        "Laporan": READS_FIGURES,
        # The province reads its jurisdiction's requests, restrictions and breach register (issue 18).
        "Pelindungan data": [*PRIVACY, "Insiden data pribadi"],
        "Instansi": ["Instansi", "Keanggotaan"],
        "Pengaturan": ["Klien API", "Notifikasi", "Pembaruan angka", "Tugas terjadwal", "Jadwal harian", *REFERENCE],
    },
    Role.NGO_CASEWORKER: {
        "Kasus": CASES,
        "Program": PROGRAMS,
        "Pendanaan": [*MONEY, "Bantuan"],
        "Laporan": REPORTS,
        "Instansi": ["Instansi", "Keanggotaan"],
        "Pengaturan": ["Klien API", "Notifikasi", *REFERENCE],
    },
    # A finance approver decides payments: the cases with one waiting, the money, no follow-ups or rosters.
    Role.FINANCE_APPROVER: {
        "Kasus": ["Kasus"],
        "Program": ["Program", "Angkatan"],
        "Pendanaan": MONEY + BUDGETS,
        "Laporan": READS_FIGURES,
        "Instansi": ["Instansi", "Keanggotaan"],
        "Pengaturan": ["Notifikasi", *REFERENCE],
    },
    # A partner agency answers referrals and delivers sessions: no case, no consent, no money.
    Role.PARTNER_TRAINER: {
        "Kasus": ["Rujukan"],
        "Program": ["Program", "Angkatan", "Pendaftaran peserta"],
        "Laporan": REPORTS,
        "Instansi": ["Instansi", "Keanggotaan"],
        "Pengaturan": ["Notifikasi", *REFERENCE],
    },
    Role.LEADERSHIP_VIEWER: {
        "Kasus": ["Lokasi", "Penghitungan lokasi"],
        "Program": ["Program", "Angkatan"],
        "Pendanaan": BUDGETS,
        "Laporan": READS_FIGURES,
        "Instansi": ["Instansi"],
        "Pengaturan": ["Pembaruan angka", *REFERENCE],
    },
    Role.AUDITOR: {
        "Kasus": CASES,
        "Program": PROGRAMS,
        "Pendanaan": MONEY + BUDGETS,
        "Laporan": READS_FIGURES,
        # auditors check the record of processing the officer keeps
        "Pelindungan data": [*PRIVACY, *RECORD],
        "Instansi": ["Instansi", "Keanggotaan", "Catatan audit"],
        "Pengaturan": ["Klien API", "Notifikasi", *REFERENCE],
    },
    # The privacy registers of issue 18, the record of processing, and the trail.
    Role.DATA_PROTECTION_OFFICER: {
        "Kasus": ["Lokasi", "Penghitungan lokasi"],
        "Program": ["Program", "Angkatan"],
        "Pendanaan": ["Bantuan"],
        "Laporan": ["Ekspor saya"],
        "Pelindungan data": [
            "Permintaan akses",
            *PRIVACY,
            "Insiden data pribadi",
            "Retensi",
            "Penahanan (legal hold)",
            *RECORD,
        ],
        "Instansi": ["Instansi", "Catatan audit"],
        "Pengaturan": REFERENCE,
    },
}


@pytest.fixture(autouse=True)
def _fresh():
    admin_menu.forget()
    yield
    admin_menu.forget()


def _menu(user, language="id") -> dict[str, list[str]]:
    request = RequestFactory().get("/admin/")
    request.user = user
    access.start_request_cache(user)
    with translation.override(language):
        return {str(app["name"]): [str(m["name"]) for m in app["models"]] for app in admin.site.get_app_list(request)}


@pytest.mark.parametrize("memo", [True, False], ids=["kept menu", "built menu"])
@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_s_menu_holds_its_work_in_the_order_of_the_work(role, memo, settings):
    settings.ADMIN_MENU_MEMO = memo
    user = MembershipFactory(role=role).user

    menu = _menu(user)

    assert menu == MENUS[role]
    assert list(menu) == [
        group
        for group in ["Kasus", "Program", "Pendanaan", "Laporan", "Pelindungan data", "Instansi", "Pengaturan"]
        if group in menu
    ]


def test_every_role_is_described():
    assert set(MENUS) == set(Role.values)


def test_the_set_up_superuser_finds_every_page_and_the_library_s_under_settings():
    menu = _menu(UserFactory(is_superuser=True))

    assert list(menu) == ["Kasus", "Program", "Pendanaan", "Laporan", "Pelindungan data", "Instansi", "Pengaturan"]
    assert menu["Pelindungan data"] == [
        "Permintaan akses",
        "Permintaan perbaikan",
        "Pembatasan pemrosesan",
        "Insiden data pribadi",
        "Retensi",
        "Penahanan (legal hold)",
    ]
    assert menu["Laporan"] == ["Angka bulanan"]  # no exports: those are asked for in a role
    assert menu["Instansi"] == ["Instansi", "Keanggotaan", "Catatan audit"]
    assert menu["Pengaturan"][-5:] == ["Pengguna", "Grup", "Selang waktu", "Waktu tertentu", "Peristiwa matahari"]


def test_every_registered_page_has_its_place_in_the_menu():
    """A new page is placed on purpose (config/admin_site.MENU), not left to the end of its app's group."""
    placed = {key for keys in MENU.values() for key in keys}
    registered = {f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry}
    registered |= {page.key for page in PAGES}  # pages that are no model's list
    menu_less = {"cases.person"}  # reached from its case page only

    assert registered - menu_less == placed


def test_the_menu_reads_in_english_for_an_english_account():
    menu = _menu(MembershipFactory(role=Role.PARTNER_TRAINER).user, "en")

    assert list(menu) == ["Cases", "Programs", "Reports", "Agencies", "Settings"]
    assert menu["Cases"] == ["Referrals"]


def test_two_roles_get_the_menu_of_both(settings):
    """A partner trainer who is also an office's district staff gets the cases through the office's grant."""
    membership = MembershipFactory(role=Role.PARTNER_TRAINER)
    MembershipFactory(role=Role.DISTRICT_STAFF, user=membership.user)

    assert _menu(membership.user) == MENUS[Role.DISTRICT_STAFF]


def test_a_page_left_out_of_the_menu_is_still_the_access_rule_s_to_open(signed_in):
    """The menu is narrowed, not the rule: a partner's case list opens (holding only cases referred to it and
    accepted), and a finance approver's follow-ups; a page the rule refuses stays refused."""
    partner = MembershipFactory(role=Role.PARTNER_TRAINER).user
    finance = MembershipFactory(role=Role.FINANCE_APPROVER).user

    assert signed_in(partner).get("/admin/cases/case/").status_code == 200
    assert signed_in(finance).get("/admin/programs/followup/").status_code == 200
    assert signed_in(partner).get("/admin/funding/disbursement/").status_code == 403


def test_the_settings_page_lists_the_set_up_pages(signed_in):
    page = signed_in(MembershipFactory(role=Role.PROVINCE_STAFF).user).get("/admin/settings/").content.decode()

    assert "<title>Pengaturan | " in page
    for name in ["Klien API", "Notifikasi", "Tugas terjadwal", "Jadwal harian", "Wilayah"]:
        assert f">{name}</a>" in page
    assert ">Kasus</a>" not in page


def test_the_header_names_the_office_and_the_role(signed_in):
    office = AgencyFactory(name="Dinas Sosial Kabupaten Banyuwangi", kind="social_service_district")
    user = MembershipFactory(role=Role.DISTRICT_STAFF, agency=office, user__first_name="Sri").user

    page = signed_in(user).get("/admin/").content.decode()

    assert "<strong>Sri</strong>" in page
    assert '<span class="user-offices">Dinas Sosial Kabupaten Banyuwangi · Staf kabupaten/kota</span>' in page


def test_the_header_names_each_membership_and_nobody_else_s(signed_in):
    partner = MembershipFactory(role=Role.PARTNER_TRAINER)
    MembershipFactory(role=Role.PARTNER_TRAINER, agency=partner.agency)  # a colleague: not in my header
    MembershipFactory(role=Role.FINANCE_APPROVER, user=partner.user)

    page = signed_in(partner.user).get("/admin/").content.decode()

    assert page.count('class="user-offices"') == 2
    assert f"{partner.agency.name} · Pelatih mitra" in page
    assert "· Pemberi persetujuan keuangan" in page


def test_the_header_of_a_set_up_superuser_says_so(signed_in):
    page = signed_in(UserFactory(is_superuser=True)).get("/admin/").content.decode()

    assert '<span class="user-offices">Penyiap sistem</span>' in page


def _changelists():
    return [
        (model, f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
        for model, model_admin in admin.site._registry.items()
        # exports: "Ekspor saya", a person's own; figures: the dashboard stands in their list's place; monthly
        # figures: months, not a list of rows
        if model._meta.model_name not in ("person", "export", "figure", "monthlysnapshot")
    ]


@pytest.mark.parametrize(("model", "url"), _changelists(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_list_is_titled_daftar(model, url, signed_in):
    client = signed_in(UserFactory(is_superuser=True, is_staff=True))

    page = client.get(url).content.decode()

    with translation.override("id"):
        title = f"Daftar {model._meta.verbose_name}"
    assert f"<title>{title} | " in page and f"<h1>{title}</h1>" in page
    assert "untuk diubah" not in page and "untuk dilihat" not in page


def test_a_district_officer_s_lists_are_daftar_and_english_ones_a_list(signed_in, english):
    user = MembershipFactory(role=Role.DISTRICT_STAFF).user
    with translation.override("id"):
        assert "<h1>Daftar kasus</h1>" in signed_in(user).get("/admin/cases/case/").content.decode()
    user.language = "en"
    user.save(update_fields=["language"])

    assert "<h1>Case list</h1>" in signed_in(user).get("/admin/cases/case/").content.decode()
    assert "<h1>Follow-up list</h1>" in signed_in(user).get("/admin/programs/followup/").content.decode()


def test_a_picking_popup_keeps_its_pick_title(signed_in):
    user = MembershipFactory(role=Role.DISTRICT_STAFF).user

    page = signed_in(user).get("/admin/agencies/agency/?_popup=1&_to_field=id").content.decode()

    assert "<h1>Pilih instansi</h1>" in page
