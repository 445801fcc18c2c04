"""The cast of actors and clients shared by every suite; data comes from factories (tests/<app>/factories.py)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from agencies.models import Role
from cases.intake import references
from tests.agencies.factories import AgencyFactory, MembershipFactory


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
def member(db):
    """Make a user holding `role` in `agency` (a factory-made agency of a fitting kind when omitted)."""

    def make(role: str = Role.DISTRICT_STAFF, agency=None, **kwargs):
        membership = MembershipFactory(role=role, **({"agency": agency} if agency else {}), **kwargs)
        return membership.user

    return make


@pytest.fixture
def jateng(db):
    """The province office of Jawa Tengah (region 33), the seeds' province."""
    return AgencyFactory(name="Dinas Sosial Provinsi Jawa Tengah", province_office=True)


@pytest.fixture
def province_staff(jateng):
    return MembershipFactory(role=Role.PROVINCE_STAFF, agency=jateng).user


@pytest.fixture
def signed_in(client):
    """Sign the test client in as a user and return it."""

    def sign_in(user) -> Client:
        client.force_login(user)
        return client

    return sign_in
