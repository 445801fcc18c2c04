"""Signed-in sessions (issue 18 item 3): idle and absolute limits with the reason said on the sign-in page and
nothing half-saved; every session of an account ends with its access; a person sees and ends their own sessions and
no one else's; API tokens are untouched."""

import re
import time

import pytest
from django.conf import settings
from qsessions.models import Session

from agencies import services, sessions
from agencies.models import AuditEvent, Role
from tests.agencies.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.conftest import Client

CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
    "Safari/537.36"
)
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _browser(user, user_agent: str = FIREFOX_ON_WINDOWS, ip: str = "10.0.0.1") -> Client:
    """A browser of its own, signed in as `user`, that has opened one page (so its session has started)."""
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    browser.force_login(user)
    assert browser.get("/admin/").status_code == 200
    return browser


def _age(browser: Client, *, signed_in_ago: float, last_seen_ago: float) -> None:
    """Move the session's sign-in and last request into the past, as the session itself records them."""
    session = browser.session
    now = time.time()
    session[sessions.STARTED] = now - signed_in_ago
    session[sessions.SEEN] = now - last_seen_ago
    session.save()


def _texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def officer(member):
    return member(Role.DISTRICT_STAFF)


@pytest.fixture
def agency(officer):
    return officer.memberships.get().agency


# Idle and absolute limits


@pytest.mark.django_db
def test_a_session_idle_past_the_limit_lands_on_the_sign_in_page_saying_why(officer):
    browser = _browser(officer)
    _age(browser, signed_in_ago=3600, last_seen_ago=settings.SESSION_IDLE_MINUTES * 60 + 1)

    response = browser.get("/admin/cases/case/", follow=True)

    assert response.redirect_chain[0][0].startswith("/admin/login/?next=/admin/cases/case/")
    assert "Sesi Anda berakhir setelah 30 menit tanpa aktivitas." in _texts(response)[0]
    assert "_auth_user_id" not in browser.session
    assert not Session.objects.filter(user=officer).exists()


@pytest.mark.django_db
def test_a_session_active_within_the_limit_goes_on_and_records_the_activity(officer):
    browser = _browser(officer)
    _age(browser, signed_in_ago=3600, last_seen_ago=settings.SESSION_IDLE_MINUTES * 60 - 60)

    assert browser.get("/admin/").status_code == 200
    assert time.time() - browser.session[sessions.SEEN] < 5


@pytest.mark.django_db
def test_a_session_older_than_the_absolute_limit_ends_however_active(officer):
    browser = _browser(officer)
    _age(browser, signed_in_ago=settings.SESSION_ABSOLUTE_HOURS * 3600 + 1, last_seen_ago=10)

    response = browser.get("/admin/", follow=True)

    assert response.redirect_chain[0][0].startswith("/admin/login/")
    assert "Sesi Anda berakhir karena sudah 12 jam sejak Anda masuk." in _texts(response)[0]
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_a_form_sent_after_the_limit_saves_nothing(officer):
    browser = _browser(officer)
    _age(browser, signed_in_ago=3600, last_seen_ago=settings.SESSION_IDLE_MINUTES * 60 + 1)

    response = browser.post("/admin/language/", {"language": "en", "next": "/admin/"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/admin/language/")
    officer.refresh_from_db()
    assert officer.language == "id"


@pytest.mark.django_db
def test_the_session_row_expires_with_the_absolute_limit(officer):
    browser = _browser(officer)

    row = Session.objects.get(user=officer)
    lifetime = (row.expire_date - row.created_at).total_seconds()
    limit = settings.SESSION_ABSOLUTE_HOURS * 3600 + settings.SESSION_IDLE_MINUTES * 60
    assert limit - 60 < lifetime <= limit + 5
    assert browser.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_api_tokens_are_unaffected_by_session_limits(agency):
    superuser = UserFactory(is_superuser=True)
    _client, token = services.api_client_create(actor=superuser, agency=agency, name="Field app", scope="read")

    response = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_an_expired_session_on_the_api_is_dropped_not_redirected(officer):
    browser = _browser(officer)
    _age(browser, signed_in_ago=3600, last_seen_ago=settings.SESSION_IDLE_MINUTES * 60 + 1)

    response = browser.get("/api/v1/cases/")

    assert response.status_code in (401, 403)
    assert "_auth_user_id" not in browser.session


# Access ending ends every session


@pytest.mark.django_db
def test_deactivating_an_account_ends_every_session_of_it(officer):
    first, second = _browser(officer), _browser(officer, CHROME_ON_ANDROID)
    superuser = UserFactory(is_superuser=True)

    services.user_active_set(actor=superuser, user=officer, active=False)

    assert not Session.objects.filter(user=officer).exists()
    for browser in (first, second):
        assert browser.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="agencies.user.sessions_ended", target_id=str(officer.pk)).exists()


@pytest.mark.django_db
def test_a_superuser_deactivating_through_the_admin_ends_the_sessions(officer, signed_in):
    victim_browser = _browser(officer)
    superuser = UserFactory(is_superuser=True)
    admin = signed_in(superuser)
    page = admin.get(f"/admin/agencies/user/{officer.pk}/change/")
    form = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("username", "first_name", "last_name", "email", "language")
    }

    response = admin.post(
        f"/admin/agencies/user/{officer.pk}/change/",
        {**form, "is_active": "", "date_joined_0": "04/12/2026", "date_joined_1": "10:00"},
    )

    officer.refresh_from_db()
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not officer.is_active
    assert not Session.objects.filter(user=officer).exists()
    assert victim_browser.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_ending_the_last_membership_ends_every_session(officer, agency, member):
    browser = _browser(officer)
    province = member(Role.PROVINCE_STAFF, agency=AgencyFactory(province_office=True))

    services.membership_update(actor=province, membership=officer.memberships.get(), active=False)

    assert not Session.objects.filter(user=officer).exists()
    assert browser.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_ending_one_of_two_memberships_keeps_the_sessions(officer, agency, member):
    MembershipFactory(user=officer, agency=AgencyFactory(region=agency.region), role=Role.DISTRICT_STAFF)
    browser = _browser(officer)
    province = member(Role.PROVINCE_STAFF, agency=AgencyFactory(province_office=True))

    services.membership_update(actor=province, membership=officer.memberships.get(agency=agency), active=False)

    assert Session.objects.filter(user=officer).exists()
    assert browser.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_deactivating_the_agency_of_someones_only_membership_ends_their_sessions(officer, agency, member):
    browser = _browser(officer)
    province = member(Role.PROVINCE_STAFF, agency=AgencyFactory(province_office=True))

    services.agency_update(actor=province, agency=agency, active=False)

    assert not Session.objects.filter(user=officer).exists()
    assert browser.get("/admin/").status_code == 302


# My sessions


@pytest.mark.django_db
def test_my_sessions_lists_each_browser_with_its_device_address_and_times(officer):
    _browser(officer, CHROME_ON_ANDROID, ip="10.1.2.3")
    mine = _browser(officer, FIREFOX_ON_WINDOWS, ip="10.9.9.9")

    page = mine.get("/admin/sessions/").content.decode()

    assert "Sesi saya" in page
    assert "Chrome Mobile 131 · Android" in page and "10.1.2.3" in page
    assert "Firefox 133 · Windows" in page and "Browser ini" in page
    assert re.search(r"\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4} \d{2}\.\d{2}", page)
    for key in Session.objects.values_list("session_key", flat=True):
        assert key not in page  # a session is named by a reference, never by its key (the cookie)


@pytest.mark.django_db
def test_a_person_ends_their_other_session_and_that_browser_must_sign_in_again(officer):
    other = _browser(officer, CHROME_ON_ANDROID)
    mine = _browser(officer)
    other_key = other.session.session_key

    response = mine.post("/admin/sessions/", {"session": sessions.reference_of(other_key)}, follow=True)

    assert "Sesi itu diakhiri" in _texts(response)[0]
    assert not Session.objects.filter(session_key=other_key).exists()
    assert other.get("/admin/").status_code == 302
    assert mine.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="agencies.user.session_ended", actor_user=officer).exists()


@pytest.mark.django_db
def test_ending_the_session_in_use_signs_out_here(officer):
    mine = _browser(officer)

    response = mine.post("/admin/sessions/", {"session": sessions.reference_of(mine.session.session_key)})

    assert response["Location"] == "/admin/login/"
    assert mine.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_no_one_ends_another_persons_session(officer, member):
    victim = _browser(officer)
    intruder = _browser(member(Role.DISTRICT_STAFF, agency=officer.memberships.get().agency))

    response = intruder.post("/admin/sessions/", {"session": sessions.reference_of(victim.session.session_key)})

    assert response.status_code == 302
    assert Session.objects.filter(session_key=victim.session.session_key).exists()
    assert victim.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_header_leads_to_my_sessions(officer):
    page = _browser(officer).get("/admin/").content.decode()

    assert '<a href="/admin/sessions/">Sesi saya</a>' in page


@pytest.mark.django_db
def test_sessions_of_lists_only_live_sessions(officer):
    live = _browser(officer)
    stale = _browser(officer, CHROME_ON_ANDROID)
    Session.objects.filter(session_key=stale.session.session_key).update(expire_date="2000-01-01T00:00:00Z")

    rows = sessions.sessions_of(officer, current_key=live.session.session_key)

    assert [row.current for row in rows] == [True]


@pytest.mark.django_db
def test_the_hourly_purge_deletes_only_ended_session_rows(officer):
    live = _browser(officer)
    ended = _browser(officer, CHROME_ON_ANDROID)
    Session.objects.filter(session_key=ended.session.session_key).update(expire_date="2000-01-01T00:00:00Z")

    assert sessions.sessions_purge() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session.session_key]


@pytest.mark.django_db
def test_behind_a_proxy_the_session_shows_the_address_the_proxy_saw(officer, settings):
    settings.SESSION_IP_FROM_FORWARDED_FOR = True
    browser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    browser.force_login(officer)

    browser.get("/admin/")

    # The last entry is the one our proxy appended; the first is whatever the client claimed.
    assert Session.objects.get(user=officer).ip == "203.0.113.9"


@pytest.mark.django_db
def test_without_a_proxy_the_session_shows_the_connecting_address(officer):
    browser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    browser.force_login(officer)

    browser.get("/admin/")

    assert Session.objects.get(user=officer).ip == "10.0.0.2"
