"""Deployment checks (issue 18 item 5): `manage.py check --deploy` is clean under production settings (HTTPS,
HSTS, secure cookies), every page carries the Content Security Policy, and no template of ours has an inline script
or style the policy would refuse."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
APPS = ("agencies", "cases", "programs", "funding", "config")


def production_env(**changes) -> dict:
    """The environment a production server runs with: DEBUG off, its own keys, its host name (as .ci/run sets)."""
    # Nor the test run's own switches: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright in this process,
    # which no server sets (and check --deploy refuses).
    dropped = ("DEBUG", "SECRET_KEY", "SECURE_", "SESSION_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "rehsos.example.go.id",
        "CSRF_TRUSTED_ORIGINS": "https://rehsos.example.go.id",
        **changes,
    }


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    checked = _check_deploy(production_env())

    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout


def test_check_deploy_is_clean_behind_a_proxy_that_ends_tls():
    checked = _check_deploy(production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https"))

    assert checked.returncode == 0, checked.stderr


def test_check_deploy_fails_when_hsts_is_switched_off():
    checked = _check_deploy(production_env(SECURE_HSTS_SECONDS="0"))

    assert checked.returncode != 0
    assert "security.W004" in checked.stderr


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    response = client.get("/admin/login/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert re.search(r"style-src 'self' 'nonce-[^']+'", policy)
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy  # nothing from another origin, no CDN


def _templates():
    for app in APPS:
        yield from (ROOT / app).rglob("templates/**/*.html")


def test_no_template_has_an_inline_script_style_or_handler_without_the_nonce():
    refused = []
    for path in _templates():
        text = path.read_text()
        for tag in re.findall(r"<(?:style|script)\b[^>]*>", text):
            if "src=" not in tag and 'nonce="{{ request.csp_nonce }}"' not in tag:
                refused.append(f"{path.relative_to(ROOT)}: {tag}")
        refused += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(r"\son[a-z]+=\"|\sstyle=\"", text)]
    assert refused == []
