"""The demo cast: two agencies, their officers and the legal team, created once."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from reportlab.pdfgen import canvas

from demo.signed_orders import demo_sign_order
from demo.subscribers import subscribers_generate
from lawreq.roles import Role
from requests_app.models import Agency, Jurisdiction, LegalRequest
from requests_app.services import (
    agency_create,
    legal_request_add_document,
    legal_request_create,
    officer_create,
)
from subscribers.models import Account
from subscribers.services import subscribers_import
from workflow.services import do_submit

DEMO_AGENCIES = [
    {"name": "Springfield Police Department", "country": "US", "email_domains": ["springfield-pd.gov"],
     "callback_phone": "+12025550143"},
    {"name": "Police nationale - OFAC", "country": "FR", "email_domains": ["interieur.gouv.fr"], "language": "fr",
     "callback_phone": "+33140976000"},
]  # fmt: skip
DEMO_OFFICERS = [
    ("officer.us", "officer.us@springfield-pd.gov", "Springfield Police Department"),
    ("officer.fr", "officer.fr@interieur.gouv.fr", "Police nationale - OFAC"),
]
DEMO_STAFF = [
    ("analyst", Role.ANALYST),
    ("reviewer", Role.REVIEWER),
    ("auditor", Role.AUDITOR),
    ("admin", Role.ADMIN),
]


@dataclass
class DemoCast:
    password: str | None  # None when the users already existed and were left as they were
    usernames: list[str]


@transaction.atomic
def demo_cast_create(*, password: str | None = None) -> DemoCast:
    User = get_user_model()
    usernames = [name for name, *_ in DEMO_OFFICERS] + [name for name, _ in DEMO_STAFF]
    if User.objects.filter(username__in=usernames).count() == len(usernames):
        return DemoCast(password=None, usernames=usernames)
    if password:
        validate_password(password)  # the same validators as every other way of setting one
    password = password or secrets.token_urlsafe(12)
    for spec in DEMO_AGENCIES:
        if not Agency.objects.filter(name=spec["name"]).exists():
            agency_create(verified=True, **spec)
    for username, email, agency_name in DEMO_OFFICERS:
        if not User.objects.filter(username=username).exists():
            user = User.objects.create_user(username=username, email=email, password=password)
            officer_create(user=user, agency=Agency.objects.get(name=agency_name))
    for username, role in DEMO_STAFF:
        if not User.objects.filter(username=username).exists():
            is_admin = role == Role.ADMIN
            user = User.objects.create_user(
                username=username,
                email=f"{username}@platform.example",
                password=password,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            user.groups.add(Group.objects.get(name=role.value))
    return DemoCast(password=password, usernames=usernames)


# Accounts the demo requests name, so a first look shows found targets and real records.
DEMO_ACCOUNTS = [
    {"account_id": "acct-demo-us-1", "username": "someone", "phone": "+12025550199",
     "registered_at": "2025-03-14T09:26:53Z", "ip_start": "203.0.113.", "days": 60},
    {"account_id": "acct-demo-fr-1", "username": "quelquun", "phone": "+33612345678",
     "registered_at": "2024-06-01T12:00:00Z", "ip_start": "2001:db8:85a3::", "days": 60},
]  # fmt: skip


def _demo_account_lines(now: dt.datetime) -> list[bytes]:
    lines = []
    for spec in DEMO_ACCOUNTS:
        events = []
        for day in range(spec["days"]):
            for slot in range(4):
                ts = now - dt.timedelta(days=day, hours=slot * 5, minutes=day % 60)
                ip = f"{spec['ip_start']}{(day * 4 + slot) % 250 + 1}"
                events.append({"ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "ip": ip, "port": 40000 + day * 4 + slot})
        record = {key: spec[key] for key in ("account_id", "username", "phone", "registered_at")}
        lines.append(orjson.dumps({**record, "ip_events": events}))
    return lines


def demo_subscribers_create(*, synthetic_accounts: int = 200, events_per_account: int = 20) -> int:
    """The demo accounts plus synthetic ones; nothing when they already exist."""
    if Account.objects.filter(account_id=DEMO_ACCOUNTS[0]["account_id"]).exists():
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.jsonl"
        path.write_bytes(b"\n".join(_demo_account_lines(dt.datetime.now(dt.UTC))) + b"\n")
        subscribers_import(path=path)
    subscribers_generate(accounts=synthetic_accounts, events_per_account=events_per_account)
    return len(DEMO_ACCOUNTS) + synthetic_accounts


def _demo_pdf(title: str, *, signed: bool = False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, title)
    pdf.drawString(72, 700, "Demonstration document - not a real legal order.")
    pdf.save()
    content = demo_sign_order(buffer.getvalue()) if signed else buffer.getvalue()
    return SimpleUploadedFile("order.pdf", content, content_type="application/pdf")


def demo_requests_create() -> list[str]:
    """One submitted request per demo agency, so the legal team's queue is not empty."""
    User = get_user_model()
    today = dt.date.today()
    specs = [
        ("officer.us", {
            "jurisdiction": "US", "process_type": "subpoena", "case_number": "2026-CR-0042",
            "offense": "Wire fraud (18 U.S.C. 1343)", "offense_category": "fraud", "terms_violation": True,
            "issuing_authority_type": "court", "issuing_authority_name": "U.S. District Court, D. Springfield",
            "authenticity_certificate": True,  # records for a US court: the letter certifies them (FRE 902(11))
            "categories": ["ip_addresses", "phone_number"],
            "targets": [{"type": "username", "value": "@someone"}],
        }),
        ("officer.fr", {
            "jurisdiction": "FR", "process_type": "production_order", "case_number": "PARQUET-2026-118",
            "offense": "Escroquerie en bande organisee (art. 313-2 CP)", "offense_category": "fraud",
            "offense_max_sentence_years": 10, "terms_violation": True,
            "issuing_authority_type": "judge", "issuing_authority_name": "Juge d'instruction, TJ Paris",
            "categories": ["ip_addresses"],
            "targets": [{"type": "phone", "value": "06 12 34 56 78"}],
            # A European Production Order for traffic data, notified to the enforcing state (Ireland):
            # its 10-day window holds the disclosure back (requests_app.e_evidence).
            "certificate_reference": "EPOC-FR-2026-0118", "ip_purpose": "traffic",
            "enforcing_state": "IE", "enforcing_authority_name": "An Garda Siochana, Mutual Assistance",
            "enforcing_authority_notified": True,
        }),
    ]  # fmt: skip
    refs = []
    for username, spec in specs:
        officer = User.objects.get(username=username)
        if LegalRequest.objects.filter(created_by=officer).exists():
            continue
        data = {
            **spec,
            "jurisdiction": Jurisdiction.objects.get(code=spec["jurisdiction"]),
            "issued_at": today - dt.timedelta(days=3),
            "date_from": today - dt.timedelta(days=30),
            "date_to": today - dt.timedelta(days=1),
        }
        legal_request, _ = legal_request_create(actor=officer, data=data)
        # The French order comes signed by a judge under the demo's EU judicial test CA.
        upload = _demo_pdf(spec["case_number"], signed=spec["jurisdiction"] == "FR")
        legal_request_add_document(legal_request=legal_request, actor=officer, upload=upload)
        do_submit(legal_request=legal_request, actor=officer)
        refs.append(legal_request.ref)
    return refs
