"""Fixtures shared by the whole suite: the fixed cast and request factories.

The cast: an officer of agency A (US), an officer of agency B (FR), an analyst, a reviewer and an
auditor, so that every permission test reads as a sentence.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import date

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lawreq.celery import app as celery_app
from lawreq.roles import Role
from requests_app.models import Agency, Jurisdiction, LegalRequest
from requests_app.services import agency_create, legal_request_add_document, legal_request_create, officer_create

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The audit_trail fixture, and flushing the append-only audit tables between transactional tests.
pytest_plugins = ["tests.audit.plugin"]

PASSWORD = "correct horse battery staple"


def _redis_url_for_this_worker() -> str:
    """One Redis database per xdist worker, so one worker's Celery never takes another's tasks."""
    base = os.environ.get("LAWREQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    prefix, _, db = base.rpartition("/")
    return f"{prefix}/{int(db) - index}"


REDIS_URL = _redis_url_for_this_worker()


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrations' data (groups, jurisdictions, content
    types) after its flush. Mixing serialized and plain flushes in one worker makes the next
    serialized restore collide with the content types a plain flush re-created."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}), append=False
            )


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def make_pdf(text: str = "Court order", pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(pages):
        pdf.drawString(72, 720, f"{text} - page {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def pdf_upload() -> Callable[..., SimpleUploadedFile]:
    def build(name: str = "order.pdf", content: bytes | None = None) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, make_pdf() if content is None else content, content_type="application/pdf")

    return build


def _user(username: str, *, email: str, role: Role | None = None):
    user = get_user_model().objects.create_user(username=username, email=email, password=PASSWORD)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def agency_a(db) -> Agency:
    return agency_create(
        name="Springfield PD",
        country="US",
        email_domains=["springfield-pd.gov"],
        verified=True,
        callback_phone="+12025550143",
    )


@pytest.fixture
def agency_b(db) -> Agency:
    return agency_create(name="Police nationale", country="FR", email_domains=["interieur.gouv.fr"], verified=True)


@pytest.fixture
def officer_a(agency_a):
    user = _user("alice.officer", email="alice@springfield-pd.gov")
    officer_create(user=user, agency=agency_a)
    return user


@pytest.fixture
def officer_b(agency_b):
    user = _user("bruno.officer", email="bruno@interieur.gouv.fr")
    officer_create(user=user, agency=agency_b)
    return user


@pytest.fixture
def analyst(db):
    return _user("anna.analyst", email="anna@platform.example", role=Role.ANALYST)


@pytest.fixture
def reviewer(db):
    return _user("rita.reviewer", email="rita@platform.example", role=Role.REVIEWER)


@pytest.fixture
def second_reviewer(db):
    return _user("ralph.reviewer", email="ralph@platform.example", role=Role.REVIEWER)


@pytest.fixture
def auditor(db):
    return _user("otto.auditor", email="otto@platform.example", role=Role.AUDITOR)


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """An API client authenticated with the user's token (or anonymous with None)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def us_request_payload(**overrides) -> dict:
    payload = {
        "jurisdiction": "US",
        "process_type": "subpoena",
        "case_number": "2026-CR-0042",
        "offense": "Wire fraud (18 U.S.C. 1343)",
        "offense_category": "fraud",
        "offense_max_sentence_years": 20,
        "terms_violation": True,
        "issuing_authority": {"type": "court", "name": "U.S. District Court, D. Springfield"},
        "issued_at": "2026-11-20",
        "date_from": "2026-10-01",
        "date_to": "2026-11-01",
        "categories": ["ip_addresses", "phone_number"],
        "targets": [{"type": "username", "value": "@someone"}, {"type": "phone", "value": "(202) 555-0199"}],
    }
    payload.update(overrides)
    return payload


def fr_request_payload(**overrides) -> dict:
    payload = us_request_payload(
        jurisdiction="FR",
        process_type="court_order",
        case_number="PARQUET-2026-118",
        offense="Escroquerie en bande organisée (art. 313-2 CP)",
        issuing_authority={"type": "judge", "name": "Juge d'instruction, TJ Paris"},
        targets=[{"type": "phone", "value": "06 12 34 56 78"}],
    )
    payload.update(overrides)
    return payload


@pytest.fixture
def draft_factory(pdf_upload) -> Callable[..., LegalRequest]:
    """A draft request filed by ``officer`` through the services, with a document unless told not to."""

    def build(officer, *, with_document: bool = True, **overrides) -> LegalRequest:
        payload = (fr_request_payload if officer.officer.agency.country == "FR" else us_request_payload)(**overrides)
        authority = payload.pop("issuing_authority")
        data = {
            **payload,
            "jurisdiction": Jurisdiction.objects.get(code=payload["jurisdiction"]),
            "issuing_authority_type": authority["type"],
            "issuing_authority_name": authority["name"],
        }
        for field in ("issued_at", "date_from", "date_to", "nondisclosure_until"):
            if isinstance(data.get(field), str):
                data[field] = date.fromisoformat(data[field])
        legal_request, _ = legal_request_create(actor=officer, data=data)
        if with_document:
            legal_request_add_document(legal_request=legal_request, actor=officer, upload=pdf_upload())
        return legal_request

    return build


@pytest.fixture
def celery_redis_worker(settings):
    """A real Celery worker thread consuming from Redis, for tests that go through the broker.

    The test marks itself ``django_db(transaction=True)``: the worker's connection must see its data.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("a worker thread does not reliably share SQLite's in-memory test database; runs on PostgreSQL")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False, result_backend=None)
    # Producers made earlier under the in-memory broker would otherwise be reused: drop them, as
    # Celery does after a fork.
    celery_app._after_fork()
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.update(previous)
        celery_app._after_fork()


@pytest.fixture
def shipped_rules(db):
    from rules.services import rules_load_shipped

    rules_load_shipped()


@pytest.fixture
def in_review_factory(shipped_rules, draft_factory, django_capture_on_commit_callbacks) -> Callable[..., LegalRequest]:
    """A request filed, submitted, checked against the shipped rules (targets resolved): ``in_review``."""
    from requests_app.models import State
    from workflow.services import do_submit, do_validate

    def build(officer, **overrides) -> LegalRequest:
        legal_request = draft_factory(officer, **overrides)
        # The validation task is enqueued on commit; here it runs in the test's own transaction.
        with django_capture_on_commit_callbacks(execute=False):
            do_submit(legal_request=legal_request, actor=officer)
        do_validate(legal_request_id=legal_request.pk)
        legal_request.refresh_from_db()
        assert legal_request.state == State.IN_REVIEW, legal_request.info_requested
        return legal_request

    return build
