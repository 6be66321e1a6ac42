"""Fuzzing the API from its own schema (schemathesis, in-process through the WSGI application, on
the test database): for each role and anonymously, every operation with generated input answers no
5xx, in the content type and the body shape the schema promises; anonymously, 401 everywhere but
the public operations. Run by `make fuzz` (and CI), not by `make test`: ``FUZZ_EXAMPLES`` examples
per operation and role (default 15)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from lawreq.wsgi import application
from requests_app.auth import token_create

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# What an anonymous client may call: the log-in and the public verification of a letter (any method:
# one they do not take is 405 to anyone).
PUBLIC_PATHS = {"/api/v1/auth/token/", "/api/v1/responses/verify/"}


# Loaded at collection, through the application itself (the schema view reads no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _connection_kept():
    # As Django's test client does: the WSGI handler must not close the test's connection (and
    # with it the transaction the test runs in) at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def anonymous_is_refused(ctx, response, case) -> bool | None:
    """Without credentials, 401 on every operation that is not public."""
    if case.path in PUBLIC_PATHS:
        return None
    if response.status_code == 404 and case._meta is not None and case._meta.is_negative_at(ParameterLocation.PATH):
        return None  # a path the schema does not allow does not exist: nothing to authenticate
    if response.status_code != 401:
        raise AssertionError(f"{case.method} {case.path} answered {response.status_code} without credentials, not 401")
    return None


@pytest.fixture
def credentials(request, officer_a, analyst, reviewer, auditor, in_review_factory) -> dict[str, str]:
    """A token for each role, and a request in review so that {ref} paths meet a real one sometimes."""
    in_review_factory(officer_a)
    users = {"officer": officer_a, "analyst": analyst, "reviewer": reviewer, "auditor": auditor}
    return {role: f"Token {token_create(user=user)[0]}" for role, user in users.items()}


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


def call_and_validate(case, credentials: dict[str, str], role: str) -> None:
    headers = {} if role == "anonymous" else {"Authorization": credentials[role]}
    checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
    if role == "anonymous":
        checks.append(anonymous_is_refused)
    case.call_and_validate(headers=headers, checks=checks)


# One test per role (schemathesis's lazy schema takes no parametrized fixture).
@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymously(case, credentials):
    call_and_validate(case, credentials, "anonymous")


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_an_officer(case, credentials):
    call_and_validate(case, credentials, "officer")


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_an_analyst(case, credentials):
    call_and_validate(case, credentials, "analyst")


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_reviewer(case, credentials):
    call_and_validate(case, credentials, "reviewer")


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_an_auditor(case, credentials):
    call_and_validate(case, credentials, "auditor")
