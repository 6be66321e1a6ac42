"""Fixtures of the letter tests: signing keys, a foreign signer, a local timestamp authority, and
requests taken through the real flow (intake, checks, proposal, approval) up to the letter.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test import TestCase, override_settings
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.sign.timestamps import DummyTimeStamper
from pypdf import PdfReader

from letters.keys import TIME_STAMPING, ca_create, certificate_issue, pkcs12_bytes, signing_key_init
from letters.models import Response
from letters.signing import signer_forget
from requests_app.models import LegalRequest
from subscribers.models import Account
from tests.conftest import in_review_create
from tests.subscribers.conftest import (
    make_account,  # noqa: F401  (fixture shared with the subscriber tests)
    make_account_row,
)

POSTGRES_ONLY = "needs PostgreSQL: concurrent workers holding real row locks"
PASSPHRASE = "letters test passphrase"


@pytest.fixture(autouse=True)
def _skip_postgres_only_tests_on_sqlite(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)


@pytest.fixture(scope="session")
def signing_keys_dir(tmp_path_factory) -> Path:
    """The development CA and signing key, made once by ``signing_key_init`` for the session."""
    keys_dir = tmp_path_factory.mktemp("signing-keys")
    with override_settings(
        LAWREQ_KEYS_DIR=keys_dir, LAWREQ_SIGNING_P12=str(keys_dir / "signing.p12"), LAWREQ_SIGNING_PASSPHRASE=PASSPHRASE
    ):
        signing_key_init()
    return keys_dir


def signing_with(keys_dir: Path) -> dict:
    """The settings that sign with the session's key, and with no timestamp authority."""
    return {
        "LAWREQ_KEYS_DIR": keys_dir,
        "LAWREQ_SIGNING_P12": str(keys_dir / "signing.p12"),
        "LAWREQ_SIGNING_PASSPHRASE": PASSPHRASE,
        "LAWREQ_TIMESTAMP_URL": "",
        "LAWREQ_SIGNING_TRUST_ROOTS": "",
    }


@pytest.fixture(autouse=True)
def signing_settings(settings, signing_keys_dir, data_key):
    """Every letter test signs with the session's key; data keys are fresh per test (or per module,
    when the module shares a letter sealed with its key)."""
    for name, value in signing_with(signing_keys_dir).items():
        setattr(settings, name, value)
    settings.LAWREQ_ENCRYPTION_KEYS = data_key
    signer_forget()
    yield settings
    signer_forget()


@pytest.fixture(scope="session")
def foreign_p12(tmp_path_factory) -> Path:
    """A signing key from another CA: well-formed, valid, and not ours."""
    folder = tmp_path_factory.mktemp("foreign")
    ca_key, ca_cert = ca_create(common_name="Some Other Organisation CA")
    key, cert = certificate_issue(ca_key=ca_key, ca_cert=ca_cert, common_name="Some Other Organisation")
    path = folder / "foreign.p12"
    path.write_bytes(pkcs12_bytes(key=key, cert=cert, chain=[ca_cert], passphrase=b"foreign"))
    return path


@pytest.fixture
def sign_as_foreigner(settings, foreign_p12) -> Callable[[bytes], bytes]:
    """Sign with the foreign key, then put our own key back."""
    from letters.signing import pdf_sign

    def sign(pdf: bytes) -> bytes:
        ours = settings.LAWREQ_SIGNING_P12, settings.LAWREQ_SIGNING_PASSPHRASE
        settings.LAWREQ_SIGNING_P12, settings.LAWREQ_SIGNING_PASSPHRASE = str(foreign_p12), "foreign"
        try:
            return pdf_sign(pdf, reason="Not from the platform")
        finally:
            settings.LAWREQ_SIGNING_P12, settings.LAWREQ_SIGNING_PASSPHRASE = ours
            signer_forget()

    return sign


# A local RFC 3161 timestamp authority, on 127.0.0.1 only.


@dataclass
class TimestampAuthority:
    url: str
    root_pem: Path
    requests: list[bytes]
    server: ThreadingHTTPServer

    def fail_next(self, count: int) -> None:
        """Answer the next ``count`` requests with 503, as an overloaded authority would."""
        self.server.failures_left = count


class _TimestampHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests_seen.append(body)
        if self.server.failures_left > 0:
            self.server.failures_left -= 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        reply = self.server.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def timestamp_authority(tmp_path_factory) -> TimestampAuthority:
    """pyHanko's ``DummyTimeStamper`` behind a tiny HTTP server, with its own CA."""
    folder = tmp_path_factory.mktemp("tsa")
    ca_key, ca_cert = ca_create(common_name="Test Timestamp Root")
    tsa_key, tsa_cert = certificate_issue(
        ca_key=ca_key, ca_cert=ca_cert, common_name="Test Timestamp Authority", extended_key_usage=TIME_STAMPING
    )
    root_pem = folder / "tsa_root.pem"
    root_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TimestampHandler)
    server.stamper = DummyTimeStamper(
        tsa_cert=translate_pyca_cryptography_cert_to_asn1(tsa_cert),
        tsa_key=translate_pyca_cryptography_key_to_asn1(tsa_key),
        certs_to_embed=[translate_pyca_cryptography_cert_to_asn1(ca_cert)],
    )
    server.requests_seen = []
    server.failures_left = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield TimestampAuthority(
        url=f"http://127.0.0.1:{server.server_port}/", root_pem=root_pem, requests=server.requests_seen, server=server
    )
    server.shutdown()


# Looking into PDFs.


def pdf_text(pdf: bytes, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    return subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"pdfsig-{len(list(tmp_path.glob('pdfsig-*')))}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def attachments(pdf: bytes) -> dict[str, bytes]:
    return {name: contents[0] for name, contents in PdfReader(io.BytesIO(pdf)).attachments.items()}


def flip_byte(pdf: bytes, *, at_fraction: float = 0.4) -> bytes:
    tampered = bytearray(pdf)
    tampered[int(len(tampered) * at_fraction)] ^= 0x01
    return bytes(tampered)


def append_incremental_update(pdf: bytes) -> bytes:
    """A harmless-looking incremental update: a new document title, appended after the signature."""
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root[pdf_name("/Lang")] = pdf_string("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Requests taken through the real flow.


OCTOBER_EVENTS = [
    ("2026-10-05 08:15:00", "198.51.100.23", 51234),
    ("2026-10-12 21:40:10", "2001:db8:85a3::8a2e:370:7334", 443),
    ("2026-10-19 06:05:59", "203.0.113.77", None),
]
EVENT_OUTSIDE_PERIOD = ("2026-09-20 10:00:00", "192.0.2.200", 40000)


def account_create():
    """The account behind the usual US request's '@someone' and '(202) 555-0199'."""
    return make_account_row(
        "acc-1", username="someone", phone="+12025550199", events=[*OCTOBER_EVENTS, EVENT_OUTSIDE_PERIOD]
    )


@pytest.fixture
def account(db, request):
    if "module_account" in request.fixturenames:
        return Account.objects.get(pk=request.getfixturevalue("module_account"))
    return account_create()


def decided_create(
    officer,
    *,
    analyst,
    reviewer,
    decision: str = "disclose",
    categories=("ip_addresses", "phone_number"),
    date_from=dt.date(2026, 10, 1),
    date_to=dt.date(2026, 11, 1),
    run_task: bool = False,
    request_categories=None,
    **overrides,
):
    """A request approved by the reviewer, its letter task captured (not run) unless ``run_task``."""
    from workflow.services import do_decide, do_propose

    if request_categories is not None:
        overrides["categories"] = list(request_categories)
    legal_request = in_review_create(officer, **overrides)
    if decision == "reject":
        do_propose(
            legal_request=legal_request,
            actor=analyst,
            decision="reject",
            reasons=["The subpoena does not name the offence under investigation."],
        )
    else:
        do_propose(
            legal_request=legal_request,
            actor=analyst,
            decision="disclose",
            categories=list(categories),
            date_from=date_from,
            date_to=date_to,
            reason="Proportionate to the investigation.",
        )
    with TestCase.captureOnCommitCallbacks(execute=run_task):
        do_decide(legal_request=legal_request, actor=reviewer, approve=True, comment="Agreed.")
    legal_request.refresh_from_db()
    return legal_request


@pytest.fixture
def decided_factory(shipped_rules, analyst, reviewer):
    return functools.partial(decided_create, analyst=analyst, reviewer=reviewer)


@pytest.fixture
def approved_request(decided_factory, officer_a, account):
    return decided_factory(officer_a)


def issued_pdf_of(response) -> bytes:
    from vault.crypto import unseal

    return unseal(bytes(response.pdf_sealed), context=response.seal_context())


@pytest.fixture
def issued_response(approved_request):
    from workflow.services import do_issue_response

    response = do_issue_response(legal_request_id=approved_request.pk)
    approved_request.refresh_from_db()
    return response


@pytest.fixture
def issued_pdf(issued_response) -> bytes:
    return issued_pdf_of(issued_response)


# One issued letter for a whole module (see SHARED_PER_MODULE in tests/conftest.py): the tests that
# only read a letter take ``shared_issued_response``, ``shared_issued_request``, ``shared_issued_pdf``.

SHARED_LETTER_PER_MODULE = pytest.mark.usefixtures("module_cast", "module_shipped_rules", "module_issued_letter")


@dataclass(frozen=True)
class IssuedLetter:
    request_pk: int
    response_pk: int
    pdf: bytes


@pytest.fixture(scope="module")
def module_account(module_transaction, django_db_blocker) -> int:
    with django_db_blocker.unblock():
        return account_create().pk


@pytest.fixture(scope="module")
def module_issued_letter(
    module_cast, module_shipped_rules, module_account, signing_keys_dir, django_db_blocker
) -> IssuedLetter:
    """The usual US request, approved as ``approved_request`` is, and its letter issued."""
    from workflow.services import do_issue_response

    with django_db_blocker.unblock(), override_settings(**signing_with(signing_keys_dir)):
        signer_forget()
        legal_request = decided_create(
            module_cast.get("officer_a"), analyst=module_cast.get("analyst"), reviewer=module_cast.get("reviewer")
        )
        response = do_issue_response(legal_request_id=legal_request.pk)
        pdf = issued_pdf_of(response)
        signer_forget()
    return IssuedLetter(request_pk=legal_request.pk, response_pk=response.pk, pdf=pdf)


@pytest.fixture
def shared_issued_response(module_issued_letter) -> Response:
    return Response.objects.get(pk=module_issued_letter.response_pk)


@pytest.fixture
def shared_issued_request(module_issued_letter) -> LegalRequest:
    """The request of ``shared_issued_response``: responded."""
    return LegalRequest.objects.get(pk=module_issued_letter.request_pk)


@pytest.fixture
def shared_issued_pdf(module_issued_letter) -> bytes:
    return module_issued_letter.pdf
