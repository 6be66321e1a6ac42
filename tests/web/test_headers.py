"""Security headers: a Content-Security-Policy without 'unsafe-inline', frame denial, referrer
policy, HSTS and SSL redirect from the environment, no-store on everything carrying personal data,
and a deployment check that is clean in production mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lawreq.production import ROOT, manage, production_environment

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", ["/accounts/login/", "/verify/", "/api/docs/"])
def test_every_page_carries_a_policy_without_inline_code(client, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_pages_may_not_be_framed_and_leak_no_referrer_to_other_sites(client):
    response = client.get("/accounts/login/")

    assert response["X-Frame-Options"] == "DENY"
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_swagger_ui_start_up_script_is_a_file_of_its_own(client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/", {"script": ""})

    assert "<script>" not in page and "?script" in page
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/requests/", "/api/v1/requests/LR-2026-999999/", "/api/v1/no-such-thing/", "/api/v1/audit/entries/"],
)
def test_api_answers_are_never_stored_by_a_cache(api, officer_a, path):
    response = api(officer_a).get(path)

    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


def test_an_officers_request_page_is_never_stored_by_a_cache(client, officer_a, draft_factory):
    legal_request = draft_factory(officer_a)
    client.force_login(officer_a)

    response = client.get(f"/portal/{legal_request.ref}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and response["Pragma"] == "no-cache"


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_api_description_may_be_cached(client, path):
    response = client.get(path)

    assert "no-store" not in response.get("Cache-Control", "")


def test_https_settings_come_from_the_environment():
    settings = production_settings(
        SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="false", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )

    assert settings["SECURE_HSTS_SECONDS"] == 600
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_embedded_default_does_not_force_https():
    settings = settings_under({"LAWREQ_PRODUCTION": "false"})

    assert settings["SECURE_SSL_REDIRECT"] is False and settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SECURE_PROXY_SSL_HEADER"] is None


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    done = manage(["check"], {**production_environment(tmp_path), "SECRET_KEY": ""})

    assert done.returncode != 0
    assert "Production mode (LAWREQ_PRODUCTION) needs SECRET_KEY" in done.stderr


def test_the_deployment_check_is_clean_in_production_mode(tmp_path):
    done = manage(["check", "--deploy", "--fail-level", "WARNING"], production_environment(tmp_path))

    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


# --- helpers -------------------------------------------------------------------------------------

SETTINGS_SHOWN = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
]


def settings_under(overrides: dict[str, str]) -> dict:
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as data_dir:
        environment = {**production_environment(Path(data_dir)), **overrides}
        code = (
            "import json, django; from django.conf import settings; django.setup(); "
            f"print(json.dumps({{name: getattr(settings, name) for name in {SETTINGS_SHOWN!r}}}))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**environment, "DJANGO_SETTINGS_MODULE": "lawreq.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def production_settings(**overrides: str) -> dict:
    return settings_under(overrides)
