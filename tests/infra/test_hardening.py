"""Hardening settings read from the environment, and admin login throttling (django-axes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.support import REPO_DIR

SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_PROXY_SSL_HEADER",
    "AXES_FAILURE_LIMIT",
    "AXES_IPWARE_PROXY_COUNT",
]


def settings_with(**env_vars) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_vars, DJANGO_SETTINGS_MODULE="imr_kb.settings")
    code = (
        "import json; from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SETTINGS!r}}}))\n"
        "print(json.dumps([getattr(settings, 'CONTENT_SECURITY_POLICY', None) is not None, "
        "getattr(settings, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', None) is not None]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1]}
    values, csp = result.stdout.strip().splitlines()[-2:]
    return {**json.loads(values), "csp": json.loads(csp)}


def test_defaults_are_for_plain_http_development():
    s = settings_with()
    assert (s["SECURE_SSL_REDIRECT"], s["SECURE_HSTS_SECONDS"], s["SESSION_COOKIE_SECURE"]) == (False, 0, False)
    assert s["CSRF_TRUSTED_ORIGINS"] == [] and s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["csp"] == [True, False]  # the CSP is enforced everywhere, development included


def test_https_behind_a_proxy():
    s = settings_with(
        DJANGO_HTTPS="1",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://kb.example.org, https://imr.example.org",
        DJANGO_PROXY_COUNT="1",
        DJANGO_LOGIN_FAILURE_LIMIT="3",
    )
    assert s["SECURE_SSL_REDIRECT"] is True and s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://kb.example.org", "https://imr.example.org"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (s["AXES_FAILURE_LIMIT"], s["AXES_IPWARE_PROXY_COUNT"]) == (3, 1)
    # Each can be overridden on its own.
    s = settings_with(DJANGO_HTTPS="1", DJANGO_SECURE_HSTS_SECONDS="3600", DJANGO_SECURE_SSL_REDIRECT="0")
    assert (s["SECURE_HSTS_SECONDS"], s["SECURE_SSL_REDIRECT"]) == (3600, False)


def test_csp_modes():
    assert settings_with(DJANGO_CSP="report-only")["csp"] == [False, True]
    assert settings_with(DJANGO_CSP="off")["csp"] == [False, False]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DJANGO_CSP": "strict"}, "DJANGO_CSP='strict': expected enforce, report-only or off"),
        (
            {"DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"},
            "DJANGO_SECURE_PROXY_SSL_HEADER: expected HEADER,VALUE",
        ),
        ({"DJANGO_SECURE_HSTS_SECONDS": "a year"}, "DJANGO_SECURE_HSTS_SECONDS='a year': expected a whole number"),
    ],
)
def test_bad_values_are_clear_errors(env, message):
    assert message in settings_with(**env)["error"]


@pytest.mark.django_db
def test_admin_login_is_throttled_per_username_and_address(settings):
    User.objects.create_superuser("boss", "", "right-password")
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT

    def attempt(password, address="10.1.2.3"):
        return client.post(
            "/admin/login/?next=/admin/",
            {"username": "boss", "password": password, "next": "/admin/"},
            REMOTE_ADDR=address,
        )

    statuses = [attempt(f"wrong-{n}").status_code for n in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]
    locked = attempt("right-password")
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    # Another address is not locked out for this user (no denial of service by a stranger).
    assert attempt("right-password", address="10.9.9.9").status_code == 302
