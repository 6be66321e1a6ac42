"""Fixtures shared by the whole suite: the fixed cast and request factories.

The cast: an officer of agency A (US), an officer of agency B (FR), an analyst, a reviewer and an
auditor, so that every permission test reads as a sentence.

A module may build its data once for all its tests instead of once per test: see
``SHARED_PER_MODULE`` and ``module_transaction``.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import TestCase, override_settings
from reportlab.pdfgen import canvas
from rest_framework.test import APIClient

from lawreq.celery import app as celery_app
from lawreq.roles import Role
from requests_app.auth import token_create
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
    _check_modules_sharing_data(items)


TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "CELERY_TASK_ALWAYS_EAGER": True,
    # In-process test workers start without a signing key; the check is tested with real workers.
    "LAWREQ_WORKER_SIGNING_CHECK": False,
}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, request):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    shared = module_transaction_of(request)
    # Documents the module stored once must still be found by each of its tests.
    settings.MEDIA_ROOT = shared.media_root if shared else tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a page requested through the test client leaves its language
    (an officer's agency's) active in the test's thread."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache(settings, tmp_path):
    from django.core.cache import cache

    from audit.services import audit_checkpoint_schedule_forget

    cache.clear()
    audit_checkpoint_schedule_forget()  # each test's database starts without this process's checkpoints
    # ... and without its exported checkpoints: verification anchors on them, and an earlier test's
    # chain (rolled back) would read as a rewritten log.
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"


def make_pdf(text: str = "Court order", pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(pages):
        pdf.drawString(72, 720, f"{text} - page {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_file(name: str = "order.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf() if content is None else content, content_type="application/pdf")


@pytest.fixture
def pdf_upload() -> Callable[..., SimpleUploadedFile]:
    return pdf_file


def _user(username: str, *, email: str, role: Role | None = None):
    user = get_user_model().objects.create_user(username=username, email=email, password=PASSWORD)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def _agency_a() -> Agency:
    return agency_create(
        name="Springfield PD",
        country="US",
        email_domains=["springfield-pd.gov"],
        verified=True,
        callback_phone="+12025550143",
    )


def _agency_b() -> Agency:
    return agency_create(name="Police nationale", country="FR", email_domains=["interieur.gouv.fr"], verified=True)


def _officer(username: str, *, email: str, agency: Agency):
    user = _user(username, email=email)
    officer_create(user=user, agency=agency)
    return user


STAFF = {
    "analyst": ("anna.analyst", "anna@platform.example", Role.ANALYST),
    "reviewer": ("rita.reviewer", "rita@platform.example", Role.REVIEWER),
    "second_reviewer": ("ralph.reviewer", "ralph@platform.example", Role.REVIEWER),
    "auditor": ("otto.auditor", "otto@platform.example", Role.AUDITOR),
}


def _staff(name: str):
    username, email, role = STAFF[name]
    return _user(username, email=email, role=role)


def _officer_a(agency: Agency):
    return _officer("alice.officer", email="alice@springfield-pd.gov", agency=agency)


def _officer_b(agency: Agency):
    return _officer("bruno.officer", email="bruno@interieur.gouv.fr", agency=agency)


def cast_create() -> dict[str, models.Model]:
    """The whole cast at once, as a module sharing its data makes it (``module_cast``)."""
    agency_a, agency_b = _agency_a(), _agency_b()
    return {
        "agency_a": agency_a,
        "agency_b": agency_b,
        "officer_a": _officer_a(agency_a),
        "officer_b": _officer_b(agency_b),
        **{name: _staff(name) for name in STAFF},
    }


@dataclass(frozen=True)
class SharedCast:
    """The cast a module made once (``module_cast``), kept as primary keys."""

    pks: dict[str, tuple[type[models.Model], int]]

    def get(self, name: str) -> models.Model:
        # A new instance each time: nothing cached on one (roles, groups) outlives a test.
        model, pk = self.pks[name]
        return model.objects.get(pk=pk)


def _cast_member(request: pytest.FixtureRequest, name: str, create: Callable[[], models.Model]) -> models.Model:
    """The member the module made once, when it shares its cast, else a new one from ``create``."""
    if "module_cast" in request.fixturenames:
        return request.getfixturevalue("module_cast").get(name)
    return create()


@pytest.fixture
def agency_a(db, request) -> Agency:
    return _cast_member(request, "agency_a", _agency_a)


@pytest.fixture
def agency_b(db, request) -> Agency:
    return _cast_member(request, "agency_b", _agency_b)


@pytest.fixture
def officer_a(agency_a, request):
    return _cast_member(request, "officer_a", lambda: _officer_a(agency_a))


@pytest.fixture
def officer_b(agency_b, request):
    return _cast_member(request, "officer_b", lambda: _officer_b(agency_b))


@pytest.fixture
def analyst(db, request):
    return _cast_member(request, "analyst", lambda: _staff("analyst"))


@pytest.fixture
def reviewer(db, request):
    return _cast_member(request, "reviewer", lambda: _staff("reviewer"))


@pytest.fixture
def second_reviewer(db, request):
    return _cast_member(request, "second_reviewer", lambda: _staff("second_reviewer"))


@pytest.fixture
def auditor(db, request):
    return _cast_member(request, "auditor", lambda: _staff("auditor"))


def api_client(user=None) -> APIClient:
    """An API client authenticated with the user's token (or anonymous with None)."""
    client = APIClient()
    if user is not None:
        key, _ = token_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api() -> Callable[..., APIClient]:
    return api_client


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


def draft_create(officer, *, with_document: bool = True, **overrides) -> LegalRequest:
    """A draft request filed by ``officer`` through the services, with a document unless told not to."""
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
        legal_request_add_document(legal_request=legal_request, actor=officer, upload=pdf_file())
    return legal_request


@pytest.fixture
def draft_factory() -> Callable[..., LegalRequest]:
    return draft_create


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
def shipped_rules(db, request):
    from rules.services import rules_load_shipped

    if "module_shipped_rules" not in request.fixturenames:  # else the module loaded them once
        rules_load_shipped()


def submitted_create(officer, **overrides) -> LegalRequest:
    """A request filed and submitted by ``officer``, the validation task run (the rules loaded first)."""
    from workflow.services import do_submit, do_validate

    legal_request = draft_create(officer, **overrides)
    # The validation task is enqueued on commit; here it runs in the caller's own transaction.
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_submit(legal_request=legal_request, actor=officer)
    do_validate(legal_request_id=legal_request.pk)
    legal_request.refresh_from_db()
    return legal_request


def in_review_create(officer, **overrides) -> LegalRequest:
    """A request filed, submitted, checked against the shipped rules (targets resolved): ``in_review``."""
    from requests_app.states import State

    legal_request = submitted_create(officer, **overrides)
    assert legal_request.state == State.IN_REVIEW, legal_request.info_requested
    return legal_request


@pytest.fixture
def in_review_factory(shipped_rules) -> Callable[..., LegalRequest]:
    return in_review_create


# Data a module's tests share.
#
# Building the same cast, rules, requests and signed letters for every test cost more than most
# tests themselves. A module that adds ``SHARED_PER_MODULE`` to its ``pytestmark`` builds them once:
# ``module_transaction`` opens one transaction around the whole module, as Django's TestCase does
# around a class for ``setUpTestData``, and rolls it back at the module's end, so nothing is left
# (not even the audit rows that PostgreSQL refuses to delete). Each test still runs in its own
# atomic block, now a savepoint inside that transaction and rolled back after the test: what a test
# writes is gone for the next one, what the module built stays.
#
# In such a module every test shares the cast (``officer_a``, ``analyst``...), the shipped rules,
# the media folder and the data key. ``shared_*`` fixtures are built once for the module and only
# read; a test that changes a request or a letter asks for its own (``request_a``,
# ``issued_response``...). A test marked ``transaction=True`` flushes the database and would see
# nothing uncommitted: it cannot live in such a module (checked at collection).

SHARED_PER_MODULE = pytest.mark.usefixtures("module_cast", "module_shipped_rules")


@dataclass(frozen=True)
class ModuleTransaction:
    media_root: Path
    data_key: str


def new_data_key() -> str:
    return f"k1:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[ModuleTransaction]:
    """One transaction, media folder and data key for the whole module (see above)."""
    shared = ModuleTransaction(media_root=tmp_path_factory.mktemp("media"), data_key=new_data_key())
    with override_settings(**TEST_SETTINGS, MEDIA_ROOT=shared.media_root, LAWREQ_ENCRYPTION_KEYS=shared.data_key):
        with django_db_blocker.unblock():
            atomics = TestCase._enter_atomics()
        try:
            yield shared
        finally:
            with django_db_blocker.unblock():
                TestCase._rollback_atomics(atomics)


def module_transaction_of(request: pytest.FixtureRequest) -> ModuleTransaction | None:
    return request.getfixturevalue("module_transaction") if "module_transaction" in request.fixturenames else None


@pytest.fixture
def data_key(request) -> str:
    """The test's data key (``LAWREQ_ENCRYPTION_KEYS``): a fresh one, or the module's when the module
    shares data sealed with it."""
    shared = module_transaction_of(request)
    return shared.data_key if shared else new_data_key()


@pytest.fixture(scope="module")
def module_cast(module_transaction, django_db_blocker) -> SharedCast:
    with django_db_blocker.unblock():
        return SharedCast({name: (type(row), row.pk) for name, row in cast_create().items()})


@pytest.fixture(scope="module")
def module_shipped_rules(module_transaction, django_db_blocker) -> None:
    from rules.services import rules_load_shipped

    with django_db_blocker.unblock():
        rules_load_shipped()


def _check_modules_sharing_data(items) -> None:
    """In a module that shares its data, the data is there for every test: each must use the shared
    cast (or it would make a second one), and none may be transactional."""
    modules_sharing = {item.module for item in items if "module_transaction" in getattr(item, "fixturenames", ())}
    for item in items:
        if getattr(item, "module", None) not in modules_sharing:
            continue
        marker = item.get_closest_marker("django_db")
        transactional = (marker and marker.kwargs.get("transaction")) or "transactional_db" in item.fixturenames
        if transactional or (marker and "module_transaction" not in item.fixturenames):
            raise pytest.UsageError(
                f"{item.nodeid}: a module sharing its data (SHARED_PER_MODULE) holds no transactional test, "
                "and every database test in it uses the shared data"
            )
