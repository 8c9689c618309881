"""HTTPS behind a reverse proxy, with the settings production computes from its environment
(docs/deployment.md, "HTTPS behind a proxy"): the proxy terminates HTTPS and says so in
X-Forwarded-Proto. Then such a request is secure (HSTS sent, cookies marked Secure), a plain-HTTP
request is redirected to HTTPS, and a client's own X-Forwarded-Proto is not believed unless the
deployment says a proxy sets it (BEHIND_PROXY)."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from unittest import mock

import pytest
from django.test import override_settings

from cunzhan.conftest import PASSWORD

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings.py"
# what the deployment's environment decides about HTTPS (the rest of the test settings stay)
SECURITY = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
)
# the test settings' own choices for plain HTTP, which production does not make
TEST_ONLY = ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "DEBUG", "BEHIND_PROXY", "HSTS_SECONDS")


def production(**environment: str) -> dict:
    """The security settings cunzhan/settings.py computes for the deployment's environment
    (docs/deployment.md: SECRET_KEY, ALLOWED_HOSTS, BEHIND_PROXY=true …), nothing else set."""
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    base.update({"SECRET_KEY": "x" * 50, "DATABASE_URL": "sqlite:///:memory:", **environment})
    with mock.patch.dict(os.environ, base, clear=True):
        computed = runpy.run_path(str(SETTINGS_FILE))
    return {name: computed[name] for name in SECURITY}


@pytest.fixture
def behind_proxy():
    values = production(BEHIND_PROXY="true", ALLOWED_HOSTS="testserver")
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"]  # production's defaults
    with override_settings(**values):
        yield


def test_a_request_the_proxy_marks_https_is_secure_with_secure_cookies(world, client, behind_proxy):
    page = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert page.status_code == 200
    assert page.wsgi_request.is_secure()
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.cookies["csrftoken"]["secure"]
    login = client.post(
        "/accounts/login/", {"username": "county", "password": PASSWORD}, HTTP_X_FORWARDED_PROTO="https"
    )
    assert login.status_code == 302 and not login["Location"].startswith("http://")
    session = client.cookies["sessionid"]
    assert session.value and session["secure"] and session["httponly"]


def test_a_plain_http_request_is_redirected_to_https(world, client, behind_proxy):
    for headers in ({}, {"HTTP_X_FORWARDED_PROTO": "http"}):
        answer = client.get("/accounts/login/?next=/stations/", **headers)
        assert answer.status_code == 301, headers
        assert answer["Location"] == "https://testserver/accounts/login/?next=/stations/"
        assert "Strict-Transport-Security" not in answer  # HSTS only over HTTPS
    answer = client.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    assert answer.status_code == 301 and "sessionid" not in client.cookies  # no login over plain HTTP


def test_the_api_redirects_plain_http_too(world, client, behind_proxy):
    answer = client.get("/api/v1/stations")
    assert answer.status_code == 301 and answer["Location"].startswith("https://")


def test_without_behind_proxy_a_clients_own_header_is_not_believed(world, client):
    """BEHIND_PROXY off (no proxy that overwrites the header): X-Forwarded-Proto from the client itself
    must not make a plain-HTTP request pass for HTTPS."""
    values = production(ALLOWED_HOSTS="testserver")
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    with override_settings(**values):
        answer = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert answer.status_code == 301 and answer["Location"].startswith("https://")
