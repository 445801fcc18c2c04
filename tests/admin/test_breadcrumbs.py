"""The breadcrumbs retrace the menu (config.admin_site.MENU): between Home and a page they name the group the person
clicked through, a link to the group's own page where it has one (Settings, an app's group), its name alone where it
has none (Reports, Data protection) — for lists, forms and our own pages alike; never the app a model belongs to."""

import re
from html import unescape

import pytest
from django.urls import reverse

from agencies.models import Role
from config.admin_site import GROUP_NAMES, MENU, SETTINGS, menu_group

pytestmark = pytest.mark.django_db


def crumbs(response) -> tuple[str, dict[str, str]]:
    """The breadcrumbs as read, and their links by text."""
    assert response.status_code == 200, response.status_code
    block = re.search(r'<div class="breadcrumbs">(.*?)</div>', response.content.decode(), re.S).group(1)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", block)).split())
    return text, {unescape(name): url for url, name in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)}


@pytest.fixture
def officer(member, jateng):
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


def test_a_privacy_register_names_data_protection_not_its_app(client, officer):
    client.force_login(officer)

    text, links = crumbs(client.get("/admin/cases/subjectaccessrequest/"))

    assert text == "Beranda › Pelindungan data › Permintaan akses"
    assert "Kasus" not in links and "Pelindungan data" not in links  # the group has no page of its own


def test_its_form_and_the_record_of_processing_name_the_group_too(client, officer):
    client.force_login(officer)

    form, form_links = crumbs(client.get("/admin/cases/subjectaccessrequest/add/"))
    record, _links = crumbs(client.get(reverse("admin:privacy_record")))

    assert form.startswith("Beranda › Pelindungan data › Permintaan akses › ")
    assert form_links["Permintaan akses"] == "/admin/cases/subjectaccessrequest/"
    assert record.startswith("Beranda › Pelindungan data › ")


def test_a_settings_page_links_back_to_settings(client, staff):
    client.force_login(staff)

    text, links = crumbs(client.get("/admin/agencies/apiclient/"))

    assert text == "Beranda › Pengaturan › Klien API"
    assert links["Pengaturan"] == reverse("admin:settings")


def test_an_app_group_links_to_its_page_which_lists_that_group_only(client, staff):
    client.force_login(staff)

    text, links = crumbs(client.get("/admin/agencies/membership/"))
    group_page = client.get(links["Instansi"]).content.decode()

    assert text == "Beranda › Instansi › Keanggotaan"
    assert links["Instansi"] == "/admin/agencies/"
    assert "Keanggotaan" in group_page
    assert "/admin/agencies/apiclient/" not in group_page.split('id="content-main"')[1].split('id="footer"')[0]


def test_the_dashboard_reads_reports(client, staff):
    client.force_login(staff)
    from agencies.models import FigureRefresh

    FigureRefresh.objects.create(status=FigureRefresh.Status.DONE)

    text, links = crumbs(client.get("/admin/agencies/figure/"))

    assert text.startswith("Beranda › Laporan › ")
    assert "Laporan" not in links


@pytest.mark.parametrize("key", [key for keys in MENU.values() for key in keys])
def test_every_page_of_the_menu_names_the_group_it_sits_in(key):
    group = next(name for name, keys in MENU.items() if key in keys)

    name, url = menu_group(key)

    if group == SETTINGS:
        assert url == reverse("admin:settings")
    elif group in ("reports", "privacy"):
        assert url is None
    else:
        assert url == reverse("admin:app_list", kwargs={"app_label": group})
    if group in GROUP_NAMES:
        assert name == str(GROUP_NAMES[group])[0].upper() + str(GROUP_NAMES[group])[1:]
