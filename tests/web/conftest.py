"""Fixtures of the web UI tests: requests brought to each stage through the services, and a
client logged in as one of the cast."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

import pytest
from django.test import Client

from disclosure.services import proposal_create
from requests_app.models import LegalRequest, State
from requests_app.services import legal_request_submit
from rules.services import legal_request_validate


@pytest.fixture(autouse=True)
def _throw_away_keys(settings, tmp_path):
    """Data keys for the disclosure snapshot, never the development ones in data/."""
    settings.LAWREQ_ENCRYPTION_KEYS = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"


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
            legal_request_submit(legal_request=legal_request, actor=officer)
        legal_request_validate(legal_request_id=legal_request.pk)
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
    proposal_create(legal_request=request_a, actor=analyst, decision="disclose",
                    categories=["ip_addresses"])
    request_a.refresh_from_db()
    return request_a
