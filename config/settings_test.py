"""Test settings for `make test`: PostgreSQL when there is one, SQLite otherwise; fast hashing, in-memory email.

The database is DATABASE_URL when set, else the local PostgreSQL at 127.0.0.1:5432 when it answers, else SQLite.
tests/conftest.py prints which one ran and skips PostgreSQL-only tests (locks, triggers) on SQLite.
"""

import os

import psycopg2


def _local_postgres_answers() -> bool:
    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2).close()
    except psycopg2.OperationalError:
        return False
    return True


if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = (
        "postgres://postgres@127.0.0.1:5432/rehab" if _local_postgres_answers() else "sqlite:///:memory:"
    )
os.environ.setdefault("DEBUG", "1")  # only to take the demo keys; DEBUG itself is switched off below

from .settings import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The suite and the live server speak plain HTTP (tests/test_deploy_checks.py checks production's HTTPS settings).
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tasks run in-process in the suite, whatever broker is configured, so a test never leaves work in a shared queue;
# tests/reminders starts a real worker on a Redis of its own and switches this off for its duration.
CELERY_TASK_ALWAYS_EAGER = True
