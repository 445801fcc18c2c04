"""Real-browser tests: Debian's Chromium driven by Playwright against Django's live server on PostgreSQL.

Every test starts from the same demo (`load_regions` + `load_demo`, as `make run` builds it): the demo is loaded
once per run into the test database and kept as a PostgreSQL template, and each test gets a fresh copy of it
(`CREATE DATABASE … TEMPLATE`, well under a second), so journeys may change whatever they like.

Chromium is found at CHROMIUM_PATH (default /usr/bin/chromium). Without it these tests are skipped with the reason
printed, unless REQUIRE_BROWSER is set (CI sets it): then a missing browser is a failure, not a skip.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import override_settings

from agencies.demo import DEMO_PASSWORD
from cases.intake import references

# Playwright's sync API runs an event loop in this thread; Django refuses database calls from such a thread unless
# told that this (single-threaded test) use is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = bool(os.environ.get("REQUIRE_BROWSER"))
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = DEMO_PASSWORD


def browser_missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return ""


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    mine = [item for item in items if here in Path(item.fspath).parents]
    for item in mine:
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.postgres)
    missing = browser_missing()
    if missing and not REQUIRED:
        for item in mine:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}"))


def pytest_runtest_setup(item):
    if "browser" in item.keywords and REQUIRED and browser_missing():
        pytest.fail(f"REQUIRE_BROWSER is set but there is {browser_missing()}", pytrace=False)


def _admin_sql(sql: str) -> None:
    """Run DDL on the server's maintenance database (a database cannot be copied or dropped from inside itself)."""
    import psycopg2

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker):
    """A database of its own, migrated as `make run` migrates it and holding the demo; dropped at the end.

    It is not built inside the test database: transactional tests that ran before have flushed the rows the data
    migrations made there (target groups, schedules), which the demo needs.
    """
    if connection.vendor != "postgresql":
        pytest.skip("browser tests need PostgreSQL (the demo is copied as a template database)")
    default = connections["default"]
    name = default.settings_dict["NAME"]
    template = f"{name}_demo"
    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        connections.close_all()
        _admin_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        _admin_sql(f'CREATE DATABASE "{template}"')
        default.settings_dict["NAME"] = template
        try:
            # Content types too: remembered from the test database (whose flushes renumber them), they would give the
            # demo's audit events another model's id ("Case number sequence #2" in the auditor's trail).
            ContentType.objects.clear_cache()
            references.forget()
            call_command("migrate", verbosity=0)
            call_command("load_regions", verbosity=0)
            call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        finally:
            default.close()
            default.settings_dict["NAME"] = name
            ContentType.objects.clear_cache()
            references.forget()
    yield template
    _admin_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


@pytest.fixture
def demo(demo_template, transactional_db, live_server, django_db_blocker):
    """A fresh copy of the demo behind the live server. Yields the server's address."""
    name = settings.DATABASES["default"]["NAME"]
    with django_db_blocker.unblock():
        connections.close_all()
        _admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        _admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{demo_template}"')
        # Rows remembered per process (content types, regions, target groups) must be the copy's, not the flushed ones.
        ContentType.objects.clear_cache()
        references.forget()
    yield live_server.url


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            # A screenshot that fails must never hide the test's own failure.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"failed-{item.name}.png"), full_page=True)
    return report


@pytest.fixture
def page(chromium, demo):
    """A browser tab on a phone-sized-but-usable window, in an English browser: the account's language must win."""
    context = chromium.new_context(base_url=demo, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def _sign_in(page, username: str):
    """The password, then the code the account's authenticator app shows (computed from its key, as the app does)."""
    from agencies.models import User
    from tests.conftest import current_code

    page.goto("/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if "/admin/two-factor/" in page.url and page.locator("#code-form").count():
        page.fill("#id_code", current_code(User.objects.get(username=username)))
        page.click("#code-form input[type=submit]")
        page.wait_for_load_state()
    return page


@pytest.fixture
def sign_in(page):
    """Open the home page and sign in as a demo user through the login form, as a person does."""

    def as_user(username: str):
        return _sign_in(page, username)

    return as_user


@pytest.fixture
def sign_in_elsewhere(chromium, demo):
    """A second person at another computer, signed in in a browser of their own: for a journey where someone else
    acts while the first person is filling a form (a coordinator withdraws a participant during the attendance)."""
    contexts = []

    def as_user(username: str):
        context = chromium.new_context(base_url=demo, viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return _sign_in(context.new_page(), username)

    yield as_user
    for context in contexts:
        context.close()
