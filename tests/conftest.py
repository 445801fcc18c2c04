"""The cast of actors and clients shared by every suite; data comes from factories (tests/<app>/factories.py).

The cast: Kota Semarang's office (`semarang`) with its district staff (`staff`, `colleague`) and the NGO Lentera
working in it (`lentera`, `ngo_caseworker`); Banyuwangi's office in another province (`banyuwangi`, whose staff are
`banyuwangi_staff` where a suite works there and `outsider` where Semarang's rows must stay out of their reach);
the province office of Jawa Tengah (`jateng`, `province_staff`). Anyone else: `member(role, agency=…)`.
"""

import importlib
import time

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client as DjangoClient
from django.utils import translation
from rest_framework.test import APIClient as DRFAPIClient

from agencies.models import Role
from cases.intake import references
from cases.models import Case, TargetGroup
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory, NgoFactory


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST')}:{db.get('PORT')}/{db['NAME']}"
    broker = settings.CELERY_BROKER_URL
    return [
        f"database: {connection.vendor} ({where})",
        f"celery broker: {broker}" + (" (tasks run eagerly)" if settings.CELERY_TASK_ALWAYS_EAGER else ""),
        f"browser tests: {_browser_status()}",
    ]


def _browser_status() -> str:
    from tests.browser.conftest import CHROMIUM, REQUIRED, browser_missing

    missing = browser_missing()
    if not missing:
        return f"Chromium at {CHROMIUM}" + ("" if connection.vendor == "postgresql" else " (but they need PostgreSQL)")
    return f"{'FAILING (REQUIRE_BROWSER is set)' if REQUIRED else 'SKIPPED'}: {missing}"


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL; this run uses {connection.vendor}")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _forget_reference_data():
    """Regions and target groups are remembered per process (cases.intake.references); each test has its own rows."""
    references.forget()


@pytest.fixture
def english():
    """Messages are translated when raised: a test that checks their wording reads them in English."""
    with translation.override("en"):
        yield


# The rows our data migrations insert (module: its forward function, idempotent). A transactional test ends by
# emptying every table, and a reused test database (`make test` keeps it) starts as the last run left it.
MIGRATION_DATA = {
    "cases.migrations.0002_target_groups": "load",
    "agencies.migrations.0006_reminder_schedules": "create_schedules",
    "agencies.migrations.0007_idempotency_purge_schedule": "create_schedule",
    "agencies.migrations.0014_export_purge_schedule": "create_schedule",
    "agencies.migrations.0016_figures_refresh_schedule": "create_schedule",
    "agencies.migrations.0020_sessions_purge_schedule": "create_schedule",
    "agencies.migrations.0023_retention_schedule": "create_schedule",
    "agencies.migrations.0025_incident_escalation_schedule": "create_schedule",
}


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """The test database: a reused one is emptied first (a run cut short leaves its rows behind), and the data
    migrations' rows are put back (the last transactional test of the run before flushed them)."""
    with django_db_blocker.unblock():
        if request.config.getvalue("reuse_db") and not request.config.getvalue("create_db"):
            call_command("flush", interactive=False, verbosity=0)
        for module, forwards in MIGRATION_DATA.items():
            getattr(importlib.import_module(module), forwards)(django_apps, None)


@pytest.fixture
def target_groups(transactional_db):
    """The data migration's target groups, for transactional tests: they start from flushed tables."""
    rows = importlib.import_module("cases.migrations.0002_target_groups").TARGET_GROUPS
    TargetGroup.objects.bulk_create([TargetGroup(code=code, name=name) for code, name in rows], ignore_conflicts=True)


@pytest.fixture
def member(db):
    """Make a user holding `role` in `agency` (a factory-made agency of a fitting kind when omitted)."""

    def make(role: str = Role.DISTRICT_STAFF, agency=None, **kwargs):
        membership = MembershipFactory(role=role, **({"agency": agency} if agency else {}), **kwargs)
        return membership.user

    return make


@pytest.fixture
def semarang(db):
    return DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")


@pytest.fixture
def staff(member, semarang):
    """District staff of Semarang."""
    return member(Role.DISTRICT_STAFF, agency=semarang)


@pytest.fixture
def colleague(member, semarang):
    """Another district staff member of Semarang."""
    return member(Role.DISTRICT_STAFF, agency=semarang)


@pytest.fixture
def lentera(semarang):
    """An NGO in Kota Semarang: its intakes are owned by Semarang's office."""
    return NgoFactory(name="Yayasan Lentera Semarang")


@pytest.fixture
def ngo_caseworker(member, lentera):
    """A caseworker of Lentera."""
    return member(Role.NGO_CASEWORKER, agency=lentera)


@pytest.fixture
def banyuwangi(db):
    """Kabupaten Banyuwangi's office, in Jawa Timur: another regency of another province than Semarang's."""
    return DistrictOfficeFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=RegionFactory(code="35.10"))


@pytest.fixture
def banyuwangi_staff(member, banyuwangi):
    """District staff of Banyuwangi, for suites whose office is Banyuwangi's."""
    return member(Role.DISTRICT_STAFF, agency=banyuwangi)


@pytest.fixture
def outsider(member, banyuwangi):
    """District staff of Banyuwangi: Semarang's rows are outside their scope."""
    return member(Role.DISTRICT_STAFF, agency=banyuwangi)


@pytest.fixture
def jateng(db):
    """The province office of Jawa Tengah (region 33), the seeds' province."""
    return AgencyFactory(name="Dinas Sosial Provinsi Jawa Tengah", province_office=True)


@pytest.fixture
def province_staff(jateng):
    return MembershipFactory(role=Role.PROVINCE_STAFF, agency=jateng).user


class Client(DjangoClient):
    """Django's test client whose `force_login` gives a session that also passed the second factor, as a person's
    does after the code page (issue 18): an enrolled authenticator, the session verified with it and fresh for
    step-up. Tests of the two-factor rules themselves use `plain_client`."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        verify_session(self, user)


class APIClient(DRFAPIClient):
    """DRF's test client whose `force_login` gives a session that passed the second factor (the API takes no
    other session, issue 18); `force_authenticate` and tokens are unchanged."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        verify_session(self, user)


def verify_session(client, user) -> None:
    """Mark `client`'s session as having passed the second factor with `user`'s authenticator (made if missing)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies import step_up

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[step_up.SESSION_KEY] = time.time()
    # The browser and address a signed-in session was recorded from (qsessions): as a real sign-in records them, so
    # the first page does not save the session again (statement counts compare pages, not sign-ins).
    session.user_agent = client.defaults.get("HTTP_USER_AGENT", "")
    session.ip = client.defaults.get("REMOTE_ADDR", "127.0.0.1")
    session.save()


def current_code(user, *, unused: bool = True) -> str:
    """The code `user`'s authenticator app shows now, as the app computes it from the key (django_otp.oath.TOTP).
    An app shows one code per 30 seconds and a code is accepted once: with `unused`, the next step's code when this
    step's was already used (the server accepts one step either side), waiting for the clock when need be."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time()
    counter = clock.t()  # the app's counter now, with the drift the server has seen
    if unused and device.last_t >= counter:
        counter = device.last_t + 1
        while True:  # the server takes at most `tolerance` steps ahead of its clock
            clock.time = time.time()
            if counter <= clock.t() + device.tolerance:
                break
            time.sleep(0.5)
    at = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    at.time = device.t0 + counter * device.step
    return f"{at.token():0{device.digits}d}"


def sign_in_with_code(client, username: str, password: str):
    """Sign `client` in through the pages, as a person does: the password, then the code from the app."""
    from agencies.models import User

    response = client.post("/admin/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"{username}: the password was refused"
    response = client.post("/admin/two-factor/", {"code": current_code(User.objects.get(username=username))})
    assert response.status_code == 302, f"{username}: the code was refused"
    return client


@pytest.fixture
def client():
    """The test client; `force_login` gives a session that passed the second factor (see Client)."""
    return Client()


@pytest.fixture
def plain_client():
    """Django's own test client: `force_login` gives a session that has passed no second factor."""
    return DjangoClient()


@pytest.fixture
def signed_in(client):
    """Sign the test client in as a user and return it."""

    def sign_in(user) -> Client:
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(params=[1, 50], ids=["1 case", "50 cases"])
def caseload(request, semarang):
    """Semarang's caseload besides the cases a test makes: one planned case, or fifty. A statement pin holds for
    both, so a service whose cost grows with the office's caseload fails it."""
    return [CaseFactory(owner=semarang, stage=Case.Stage.PLANNED) for _ in range(request.param)]
