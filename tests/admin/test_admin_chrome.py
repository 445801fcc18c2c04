"""What the admin draws around a page's rows, kept or drawn in Python for speed, is the same HTML as Django's
templates draw it: the navigation sidebar kept per menu (ADMIN_MENU_MEMO, agencies/fastpath/admin_menu.py) and
the filter panels drawn cheaply (ADMIN_LEAN_FILTERS, agencies/templatetags/lean_filters.py). Whole pages are held
equal with each switch on and off, in Indonesian and English, for several roles; only the CSRF token, new on every
page, is set aside."""

import re

import pytest

from agencies import audit
from agencies.fastpath import admin_menu
from agencies.models import Role
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory, SiteFactory

pytestmark = pytest.mark.django_db

CASES, TRAIL = "/admin/cases/case/", "/admin/agencies/auditevent/"


@pytest.fixture(autouse=True)
def _fresh():
    admin_menu.forget()
    yield
    admin_menu.forget()


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # The CSRF token and the Content Security Policy's nonce are new on every response.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page)


def _plain_and_kept(client, url: str, settings, switch: str) -> tuple[str, str, str]:
    """The page drawn plainly, then twice with the switch on (the second from what the first kept)."""
    setattr(settings, switch, False)
    plain = _page(client, url)
    setattr(settings, switch, True)
    return plain, _page(client, url), _page(client, url)


@pytest.fixture
def people(banyuwangi, member):
    """District staff, province staff and an auditor of Jawa Timur, each reading in `language`."""
    province = AgencyFactory(
        name="Dinas Sosial Provinsi Jawa Timur", province_office=True, region=RegionFactory(code="35")
    )
    DistrictOfficeFactory(name="Dinas Sosial Kabupaten Jember & <Co>", region=RegionFactory(code="35.09"))
    CaseFactory(owner=banyuwangi, site=SiteFactory(name="Gempol <Porong> & Co"))
    SiteFactory(name="Dolly", region=RegionFactory(code="35.78"))
    staff = member(Role.DISTRICT_STAFF, agency=banyuwangi)
    audit.record(staff, "cases.case.viewed", CaseFactory(owner=banyuwangi), agency=banyuwangi)
    return {
        "district staff": staff,
        "province staff": member(Role.PROVINCE_STAFF, agency=province),
        "auditor": member(Role.AUDITOR, agency=banyuwangi),
        "finance approver": member(Role.FINANCE_APPROVER, agency=banyuwangi),
        "partner trainer": member(Role.PARTNER_TRAINER),
    }


PAGES = [
    ("district staff", CASES),
    ("district staff", f"{CASES}?stage=registered&caseworker=me"),
    ("district staff", "/admin/"),
    ("district staff", "/admin/cases/site/"),
    ("province staff", CASES),
    ("province staff", f"{CASES}?o=2"),
    ("province staff", f"{CASES}?owner=__OWNER__&target_group__code__exact=10&caseworker=none&p=1"),
    ("auditor", TRAIL),
    ("auditor", f"{TRAIL}?action=cases.case.viewed"),
    ("auditor", f"{TRAIL}?created_at__gte=2026-01-01+00%3A00%3A00%2B07%3A00&action=cases.case.listed"),
    # Menus narrowed per role, and the set-up pages grouped under Settings (issue 16 §6).
    ("finance approver", "/admin/funding/disbursement/"),
    ("finance approver", "/admin/"),
    ("partner trainer", "/admin/programs/batch/"),
    ("partner trainer", "/admin/agencies/region/"),
    ("province staff", "/admin/settings/"),
    ("province staff", "/admin/django_celery_beat/periodictask/"),
]


@pytest.mark.parametrize("switch", ["ADMIN_MENU_MEMO", "ADMIN_LEAN_FILTERS"])
@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("who", "url"), PAGES)
def test_the_kept_or_lean_page_is_the_plain_page(people, banyuwangi, who, url, language, switch, signed_in, settings):
    user = people[who]
    user.language = language
    user.save(update_fields=["language"])
    url = url.replace("__OWNER__", str(banyuwangi.pk))
    plain, kept, again = _plain_and_kept(signed_in(user), url, settings, switch)

    # The index (and the settings' index) shows the menu itself, not a sidebar.
    assert ('id="nav-sidebar"' in plain) is (url not in ("/admin/", "/admin/settings/"))
    if url.startswith(CASES) and who == "province staff":
        assert "Jember &amp; &lt;Co&gt;" in plain and ">Dolly<" in plain and 'class="selected"' in plain
    if url.startswith(TRAIL):
        assert "cases.case.viewed" in plain  # the actions' links
    assert kept == plain == again


def test_each_page_marks_its_own_link_in_the_kept_sidebar(people, signed_in):
    client = signed_in(people["district staff"])

    def current(url):
        return re.findall(r'<a href="([^"]+)" aria-current="page">', _page(client, url))

    assert current(CASES) == [CASES]
    assert current("/admin/cases/site/") == ["/admin/cases/site/"]
    assert current(CASES) == [CASES]
    assert 'class="app-cases module current-app"' in _page(client, CASES)
    assert 'class="app-agencies module current-app"' in _page(client, "/admin/agencies/agency/")


def test_a_page_whose_menu_was_changed_draws_its_own_sidebar(people, rf, settings):
    """A view that changes its copy of the menu (here: drops a section) is not served another page's HTML."""
    from django.contrib import admin
    from django.template import Context, Template

    from agencies import access

    user = people["district staff"]
    request = rf.get(CASES)
    request.user = user
    access.start_request_cache(user)
    template = Template("{% load admin_chrome %}{% nav_sidebar %}")
    kept = template.render(Context({"available_apps": admin.site.get_app_list(request), "request": request}))
    changed = admin.site.get_app_list(request)
    changed.pop()

    drawn = template.render(Context({"available_apps": changed, "request": request}))

    assert drawn != kept
    settings.ADMIN_MENU_MEMO = False
    assert drawn == template.render(Context({"available_apps": changed, "request": request}))
