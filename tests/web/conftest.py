"""Fixtures of the web UI tests: requests brought to each stage through the services, a client
logged in as one of the cast, and the signing key letters need (shared with tests/browser)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client, override_settings

from requests_app.models import LegalRequest
from tests.conftest import in_review_create, submitted_create
from workflow.services import do_propose

SIGNING_PASSPHRASE = "web tests"


@pytest.fixture(scope="session")
def signing_keys_dir(tmp_path_factory) -> Path:
    """A development CA and signing key for the session, made by the letters' own key code."""
    from letters.keys import signing_key_init

    keys_dir = tmp_path_factory.mktemp("signing-keys")
    with override_settings(
        LAWREQ_KEYS_DIR=keys_dir,
        LAWREQ_SIGNING_P12=str(keys_dir / "signing.p12"),
        LAWREQ_SIGNING_PASSPHRASE=SIGNING_PASSPHRASE,
    ):
        signing_key_init()
    return keys_dir


@pytest.fixture(autouse=True)
def _throw_away_keys(settings, signing_keys_dir, data_key):
    """Letters are signed with the session's key; data keys are fresh per test, or per module when
    the module shares its data (never data/'s)."""
    from letters.signing import signer_forget

    settings.LAWREQ_KEYS_DIR = signing_keys_dir
    settings.LAWREQ_SIGNING_P12 = str(signing_keys_dir / "signing.p12")
    settings.LAWREQ_SIGNING_PASSPHRASE = SIGNING_PASSPHRASE
    settings.LAWREQ_TIMESTAMP_URL = ""
    settings.LAWREQ_ENCRYPTION_KEYS = data_key
    signer_forget()
    yield
    signer_forget()


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def build(user=None, **kwargs) -> Client:
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def submitted_factory(shipped_rules) -> Callable[..., LegalRequest]:
    """A request filed and submitted by ``officer``; the validation task has run."""
    return submitted_create


def disclosure_proposed(legal_request: LegalRequest, analyst) -> LegalRequest:
    do_propose(legal_request=legal_request, actor=analyst, decision="disclose", categories=["ip_addresses"])
    legal_request.refresh_from_db()
    return legal_request


@pytest.fixture
def request_a(officer_a, in_review_factory) -> LegalRequest:
    """Agency A's request, in review."""
    return in_review_factory(officer_a)


@pytest.fixture
def pending_approval_request(request_a, analyst) -> LegalRequest:
    """Agency A's request with the analyst's disclosure proposal waiting for a reviewer."""
    return disclosure_proposed(request_a, analyst)


# The same two requests built once for a module (see SHARED_PER_MODULE in tests/conftest.py), for
# the tests that do not change them.


@pytest.fixture(scope="module")
def module_request_a(module_cast, module_shipped_rules, django_db_blocker) -> int:
    with django_db_blocker.unblock():
        return in_review_create(module_cast.get("officer_a")).pk


@pytest.fixture(scope="module")
def module_pending_approval_request(module_cast, module_shipped_rules, django_db_blocker) -> int:
    with django_db_blocker.unblock():
        return disclosure_proposed(in_review_create(module_cast.get("officer_a")), module_cast.get("analyst")).pk


@pytest.fixture
def shared_request_a(module_request_a) -> LegalRequest:
    return LegalRequest.objects.get(pk=module_request_a)


@pytest.fixture
def shared_pending_approval_request(module_pending_approval_request) -> LegalRequest:
    return LegalRequest.objects.get(pk=module_pending_approval_request)
