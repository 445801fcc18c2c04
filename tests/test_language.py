"""The admin speaks the account's language, which each person switches in the header; the sign-in page and the API
follow the browser (Indonesian when it asks for nothing we have)."""

import datetime
import re

import pytest
from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from agencies import services
from agencies.models import AuditEvent, Role, User
from tests.agencies.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"accept-language": "en-US,en;q=0.9"}


@pytest.fixture
def district_staff(member):
    return member(Role.DISTRICT_STAFF)


def _page(client, url="/admin/", **kwargs) -> str:
    response = client.get(url, headers=ENGLISH_BROWSER, **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def test_an_indonesian_account_gets_indonesian_from_an_english_browser(signed_in, district_staff):
    page = _page(signed_in(district_staff))

    assert 'lang="id"' in page
    assert "Manajemen Kasus Rehabilitasi Sosial" in page


def test_an_english_account_gets_english_from_a_browser_that_asks_for_nothing(signed_in, member):
    user = member(Role.DISTRICT_STAFF, user=UserFactory(language="en"))

    page = signed_in(user).get("/admin/").content.decode()

    assert 'lang="en"' in page
    assert "Social rehabilitation case management" in page


def test_the_sign_in_page_follows_the_browser_and_defaults_to_indonesian(client):
    assert 'lang="en"' in _page(client, "/admin/login/")
    assert 'lang="id"' in client.get("/admin/login/").content.decode()


def test_an_api_caller_signed_in_as_a_person_still_chooses_by_accept_language(signed_in, district_staff):
    client = signed_in(district_staff)

    response = client.get("/api/v1/cases/999999/", headers=ENGLISH_BROWSER)

    assert response["Content-Language"] == "en"
    assert response.json()["title"] == "Not found."


# The switch in the header


def test_the_header_offers_the_other_language_as_a_button(signed_in, district_staff):
    page = _page(signed_in(district_staff))

    assert "Bahasa" in page
    assert 'name="language" value="en"' in page
    assert 'name="language" value="id"' not in page  # the current one is shown, not offered


def test_switching_saves_the_account_language_and_returns_to_the_page(signed_in, district_staff):
    client = signed_in(district_staff)

    response = client.post("/admin/language/", {"language": "en", "next": "/admin/my-page/?q=1"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/my-page/?q=1"
    assert User.objects.get(pk=district_staff.pk).language == "en"
    assert 'lang="en"' in client.get("/admin/").content.decode()


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"])
def test_switching_never_sends_the_person_to_another_site(signed_in, district_staff, elsewhere):
    response = signed_in(district_staff).post("/admin/language/", {"language": "en", "next": elsewhere})

    assert response["Location"] == "/admin/"


def test_switching_is_a_post_only(signed_in, district_staff):
    response = signed_in(district_staff).get("/admin/language/", {"language": "en"})

    assert response.status_code == 405
    assert User.objects.get(pk=district_staff.pk).language == "id"


def test_an_unknown_language_is_refused_and_nothing_changes(signed_in, district_staff):
    client = signed_in(district_staff)

    response = client.post("/admin/language/", {"language": "fr", "next": "/admin/"}, follow=True)

    assert "Pilih bahasa Indonesia atau Inggris." in response.content.decode()
    assert User.objects.get(pk=district_staff.pk).language == "id"
    assert not AuditEvent.objects.filter(action="agencies.user.language_changed").exists()


def test_the_language_change_is_audited_once(district_staff):
    services.user_language_change(actor=district_staff, user=district_staff, language="en")
    services.user_language_change(actor=district_staff, user=district_staff, language="en")

    event = AuditEvent.objects.get(action="agencies.user.language_changed")
    assert (event.actor_user, event.target_id) == (district_staff, str(district_staff.pk))
    assert event.data == {"from": "id", "to": "en"}


def test_nobody_changes_another_persons_language(district_staff):
    other = MembershipFactory(role=Role.DISTRICT_STAFF).user

    with pytest.raises(PermissionDenied):
        services.user_language_change(actor=district_staff, user=other, language="en")
    with pytest.raises(ValidationError):
        services.user_language_change(actor=other, user=other, language="xx")
    assert User.objects.get(pk=other.pk).language == "id"


# One date format


@pytest.mark.parametrize("language", ["id", "en"])
def test_typed_dates_are_read_day_first_and_as_iso(language):
    with translation.override(language):
        field = forms.DateField()
        assert field.clean("04/12/2026") == field.clean("2026-12-04") == datetime.date(2026, 12, 4)
        assert AdminDateWidget().format_value(datetime.date(2026, 12, 4)) == "04/12/2026"


def test_the_admin_calendar_writes_what_the_form_reads(signed_in, district_staff):
    catalog = signed_in(district_staff).get("/admin/jsi18n/").content.decode()

    assert re.search(r'"DATE_INPUT_FORMATS": \[\s*"%d/%m/%Y"', catalog)
    assert '"DATE_FORMAT": "j M Y"' in catalog


def test_the_search_magnifier_is_named_in_the_accounts_language(signed_in, district_staff):
    html = signed_in(district_staff).get("/admin/agencies/agency/").content.decode()

    assert 'alt="Cari"' in html and 'alt="Search"' not in html
