"""Settings come from the environment; production refuses to start on demo keys or malformed values."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def _start(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY"}}
    return subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    started = _start(FIELD_ENCRYPTION_KEY="ZGVtby1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")

    assert started.returncode != 0
    assert "Set the SECRET_KEY environment variable" in started.stderr


def test_a_malformed_field_encryption_key_stops_start_up():
    started = _start(SECRET_KEY="x" * 50, FIELD_ENCRYPTION_KEY="too-short")

    assert started.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be 32 bytes" in started.stderr


def test_debug_is_off_unless_asked_for():
    started = _start(SECRET_KEY="x" * 50, FIELD_ENCRYPTION_KEY="ZGVtby1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "False"


def test_indonesian_first_jakarta_time_and_grouped_thousands():
    assert settings.LANGUAGE_CODE == "id"
    assert [code for code, _ in settings.LANGUAGES] == ["id", "en"]
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.USE_TZ and settings.USE_THOUSAND_SEPARATOR


def test_the_celery_app_reaches_the_configured_broker():
    # Redis in CI and production; without CELERY_BROKER_URL, the in-process broker the demo runs on.
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=5)
        assert connection.connected


def test_error_reports_hide_form_values_and_local_variables(rf):
    from django.views.debug import ExceptionReporter

    request = rf.post("/admin/cases/case/add/", {"full_name": "Siti Aminah", "nik": "3510014501900001"})
    try:
        full_name = "Siti Aminah"  # noqa: F841 (a local the report must not show)
        raise ValueError("boom")
    except ValueError as exc:
        text = ExceptionReporter(request, type(exc), exc, exc.__traceback__).get_traceback_text()

    assert "Siti" not in text and "3510014501900001" not in text


def test_the_accounts_language_is_chosen_once_the_person_is_known():
    # LocaleMiddleware answers from the browser first; the account's language then wins for a signed-in person.
    order = settings.MIDDLEWARE
    assert (
        order.index("django.middleware.locale.LocaleMiddleware")
        < order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
        < order.index("agencies.middleware.AccountLanguageMiddleware")
    )


def test_dates_come_from_our_own_formats():
    assert settings.FORMAT_MODULE_PATH == ["config.formats"]
