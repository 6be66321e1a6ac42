"""Fixtures of the web UI tests: requests brought to each stage through the services, a client
logged in as one of the cast, and the signing key letters need (shared with tests/browser)."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client, override_settings

from requests_app.models import LegalRequest
from requests_app.states import State
from workflow.services import do_propose, do_submit, do_validate

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
def _throw_away_keys(settings, signing_keys_dir):
    """Letters are signed with the session's key; data keys are fresh per test (never data/'s)."""
    from letters.signing import signer_forget

    settings.LAWREQ_KEYS_DIR = signing_keys_dir
    settings.LAWREQ_SIGNING_P12 = str(signing_keys_dir / "signing.p12")
    settings.LAWREQ_SIGNING_PASSPHRASE = SIGNING_PASSPHRASE
    settings.LAWREQ_TIMESTAMP_URL = ""
    settings.LAWREQ_ENCRYPTION_KEYS = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    signer_forget()
    yield
    signer_forget()


@pytest.fixture
def shipped_rules(db):
    from rules.services import rules_load_shipped

    rules_load_shipped()


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def build(user=None, **kwargs) -> Client:
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def submitted_factory(draft_factory, shipped_rules, django_capture_on_commit_callbacks):
    """A request filed and submitted by ``officer``; the validation task has run."""

    def build(officer, **overrides) -> LegalRequest:
        legal_request = draft_factory(officer, **overrides)
        with django_capture_on_commit_callbacks(execute=False):
            do_submit(legal_request=legal_request, actor=officer)
        do_validate(legal_request_id=legal_request.pk)
        legal_request.refresh_from_db()
        return legal_request

    return build


@pytest.fixture
def in_review_factory(submitted_factory):
    def build(officer, **overrides) -> LegalRequest:
        legal_request = submitted_factory(officer, **overrides)
        assert legal_request.state == State.IN_REVIEW, legal_request.info_requested
        return legal_request

    return build


@pytest.fixture
def request_a(officer_a, in_review_factory) -> LegalRequest:
    """Agency A's request, in review."""
    return in_review_factory(officer_a)


@pytest.fixture
def pending_approval_request(request_a, analyst) -> LegalRequest:
    """Agency A's request with the analyst's disclosure proposal waiting for a reviewer."""
    do_propose(legal_request=request_a, actor=analyst, decision="disclose", categories=["ip_addresses"])
    request_a.refresh_from_db()
    return request_a
