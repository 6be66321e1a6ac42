"""Production mode refuses to start with an insecure configuration: each refusal, one at a time, from
a production environment that is otherwise clean (tests/web/test_headers.py shows it clean)."""

from __future__ import annotations

import pytest
from django.db import connection

from lawreq.checks import database_role_check
from tests.lawreq.production import base_environment, manage, production_environment, production_keys

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"AUDIT_HMAC_KEY": None}, "lawreq.E001"),
        ({"LAWREQ_BLIND_INDEX_KEY": None}, "lawreq.E001"),
        ({"LAWREQ_ENCRYPTION_KEYS": None}, "lawreq.E001"),
        ({"ALLOWED_HOSTS": ""}, "lawreq.E003"),
        ({"LAWREQ_REQUIRE_STAFF_OTP": "false"}, "lawreq.E004"),
        ({"LAWREQ_PUBLIC_URL": None}, "lawreq.E008"),
        ({"LAWREQ_SIGNING_PASSPHRASE": None}, "letters.E001"),
        ({"LAWREQ_REPORT_SIGNING_P12": None}, "letters.E002"),
        ({"LAWREQ_SIGNING_PASSPHRASE": "not-the-passphrase"}, "letters.E003"),
        ({"LAWREQ_SIGNING_P12": "/nonexistent/signing.p12"}, "letters.E003"),
        ({"LAWREQ_RECORDS_CUSTODIAN": None}, "letters.E004"),
        ({"LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US": None}, "letters.E005"),
        ({"LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US": "abroad"}, "letters.E005"),
    ],
    ids=[
        "audit-hmac-key",
        "blind-index-key",
        "data-keys",
        "no-allowed-hosts",
        "no-staff-second-factor",
        "no-public-address",
        "no-passphrase",
        "no-report-key",
        "wrong-passphrase",
        "no-signing-key",
        "no-records-custodian",
        "no-declaration-place",
        "declaration-place-neither-true-nor-false",
    ],
)
def test_production_mode_refuses_an_insecure_configuration(tmp_path, overrides, refusal):
    done = manage(["check", "--deploy"], production_environment(tmp_path, **overrides))

    assert done.returncode != 0
    assert refusal in done.stderr


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [({"DEBUG": "true"}, "needs SECRET_KEY set and DEBUG off"), ({"SECRET_KEY": ""}, "needs SECRET_KEY")],
    ids=["debug", "development-secret-key"],
)
def test_production_mode_refuses_debug_and_a_development_secret_before_loading(tmp_path, overrides, refusal):
    done = manage(["check"], production_environment(tmp_path, **overrides))

    assert done.returncode != 0
    assert refusal in done.stderr


def test_production_mode_refuses_the_generated_development_signing_key(tmp_path):
    # given: the development key that `signing_key init` generates, under a passphrase
    development = {**base_environment(tmp_path / "dev"), "LAWREQ_SIGNING_PASSPHRASE": "a passphrase"}
    assert manage(["signing_key", "init"], development).returncode == 0
    keys = tmp_path / "dev" / "keys"

    done = manage(
        ["check", "--deploy"],
        production_environment(
            tmp_path / "prod",
            LAWREQ_SIGNING_P12=str(keys / "signing.p12"),
            LAWREQ_REPORT_SIGNING_P12=str(keys / "report_signing.p12"),
            LAWREQ_SIGNING_PASSPHRASE="a passphrase",
        ),
    )

    assert done.returncode != 0
    assert "letters.E003" in done.stderr and "generated development letter signing key" in done.stderr
    assert "generated development report signing key" in done.stderr


def test_the_local_production_keys_pass_every_check(tmp_path):
    assert production_keys()["LAWREQ_SIGNING_PASSPHRASE"]

    done = manage(["check", "--deploy", "--fail-level", "WARNING"], production_environment(tmp_path))

    assert done.returncode == 0, done.stderr


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("the database role check is PostgreSQL's")


def test_production_mode_refuses_a_superuser_database_role(postgres, settings):
    settings.LAWREQ_PRODUCTION = True
    if not _superuser():
        pytest.skip("the test database is not reached as a superuser here")

    errors = database_role_check(databases=["default"])

    assert [error.id for error in errors] == ["lawreq.E007"]


def test_production_mode_accepts_an_application_role(postgres, settings):
    settings.LAWREQ_PRODUCTION = True
    if not _superuser():
        pytest.skip("needs a superuser to create the role the check then runs as")
    with connection.cursor() as cursor:
        # Created and dropped with the test's transaction.
        cursor.execute("CREATE ROLE lawreq_check_probe NOLOGIN NOSUPERUSER")
        cursor.execute("SET LOCAL ROLE lawreq_check_probe")

    assert database_role_check(databases=["default"]) == []


def test_outside_production_mode_the_role_is_not_asked(postgres, settings):
    settings.LAWREQ_PRODUCTION = False

    assert database_role_check(databases=["default"]) == []
