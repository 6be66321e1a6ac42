"""Freezing a disclosure snapshot for one account with many IP events in the approved range.

    .venv/bin/python bench/bench_snapshot.py [--events N] [--runs R] [--full]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lawreq_bench_snapshot .venv/bin/python bench/bench_snapshot.py

Prints, median of R runs (each in a transaction rolled back afterwards):
- ``snapshot_freeze`` for one target approved for ``ip_addresses`` and ``phone_number`` over 31 days
  holding N events (read from the provider, encoded, sealed with AES-256-GCM, stored, audited), and its
  parts: the provider read, the encoding, the sealing;
- raw AES-GCM over the very same plaintext bytes, and the ratio (the figure to watch);
- reading it back (``approved_decision``: decrypt, decode, audit) next to raw AES-GCM decryption.

100,000 events by default; ``--full`` is 1,000,000. Uses a throw-away SQLite database unless
DATABASE_URL is set (a PostgreSQL database is created when missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

import benchsetup  # noqa: F401  (Django, and the bench database)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction

from disclosure import codec
from disclosure.models import Approval, Decision, Proposal, ProposalStatus, ProposalTarget
from disclosure.selectors import approved_decision
from disclosure.services import snapshot_freeze
from requests_app.choices import Resolution
from requests_app.models import Agency, Jurisdiction, LegalRequest, Target
from requests_app.states import State
from subscribers.bulk import ip_events_insert
from subscribers.models import Account, PhoneHistory
from subscribers.providers import DatabaseProvider
from vault.crypto import seal

ACCOUNT_ID = "BENCH-SNAPSHOT-1"
DAY_FROM, DAY_TO = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
CATEGORIES = ["ip_addresses", "phone_number"]


def _user(username: str, role: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


def setup(events: int) -> tuple[Proposal, Approval]:
    """One account with ``events`` events spread over the 31 approved days, and an approved proposal."""
    from requests_app.services import agency_create, officer_create

    account = Account.objects.filter(account_id=ACCOUNT_ID).first()
    if account is None or account.ip_events.count() != events:
        if account is not None:
            account.ip_events.all().delete()
            account.phone_history.all().delete()
            account.delete()
        account = Account.objects.create(
            account_id=ACCOUNT_ID, username="bench_snapshot", phone="+33612345678",
            registered_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )  # fmt: skip
        PhoneHistory.objects.create(account=account, number="+33612345678", valid_from=account.registered_at)
        start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        step = dt.timedelta(days=31) / events

        def address(i: int) -> str:
            return f"198.51.{(i >> 8) & 255}.{i & 255}" if i % 5 else f"2001:db8::{i >> 16:x}:{i & 0xFFFF:x}"

        with transaction.atomic():
            ip_events_insert((account.pk, start + step * i, address(i), 1024 + i % 60000) for i in range(events))

    agency = Agency.objects.filter(name="Bench agency").first()
    if agency is None:
        agency = agency_create(name="Bench agency", country="FR", email_domains=["bench.example"], verified=True)
    officer = get_user_model().objects.filter(username="bench.officer").first()
    if officer is None:
        officer = get_user_model().objects.create_user(username="bench.officer", email="o@bench.example")
        officer_create(user=officer, agency=agency)
    analyst, reviewer = _user("bench.analyst", "analyst"), _user("bench.reviewer", "reviewer")

    LegalRequest.objects.filter(ref="LR-2026-999999").exists() or LegalRequest.objects.create(
        ref="LR-2026-999999", agency=agency, created_by=officer, state=State.APPROVED,
        jurisdiction=Jurisdiction.objects.get(code="FR"), process_type="court_order",
        date_from=DAY_FROM, date_to=DAY_TO, categories=CATEGORIES,
    )  # fmt: skip
    legal_request = LegalRequest.objects.get(ref="LR-2026-999999")
    target = legal_request.targets.first() or Target.objects.create(
        legal_request=legal_request, type="account_id", value=ACCOUNT_ID,
        resolution=Resolution.FOUND, account_id=ACCOUNT_ID,
    )  # fmt: skip
    proposal = Proposal.objects.filter(legal_request=legal_request).first()
    if proposal is None:
        proposal = Proposal.objects.create(
            legal_request=legal_request, decision=Decision.DISCLOSE, status=ProposalStatus.APPROVED,
            categories=CATEGORIES, date_from=DAY_FROM, date_to=DAY_TO, allowed_categories=CATEGORIES,
            proposed_by=analyst,
        )  # fmt: skip
        ProposalTarget.objects.create(
            proposal=proposal, target=target, categories=CATEGORIES, date_from=DAY_FROM, date_to=DAY_TO
        )
        Approval.objects.create(
            proposal=proposal, approved_by=reviewer, proposer=analyst, request_creator=officer, approve=True
        )
    return proposal, proposal.approval


def median_seconds(function, runs: int) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


class Rollback(Exception):
    pass


def in_rollback(function):
    def run():
        try:
            with transaction.atomic():
                function()
                raise Rollback
        except Rollback:
            pass

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="1,000,000 events")
    args = parser.parse_args()
    events = args.events or (1_000_000 if args.full else 100_000)

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {events:,} events in range")
    proposal, approval = setup(events)
    reviewer = approval.approved_by
    provider = DatabaseProvider()

    records = provider.records(ACCOUNT_ID, CATEGORIES, DAY_FROM, DAY_TO)
    assert len(records.ip_events) == events, len(records.ip_events)
    plaintext = codec.encode_ip_events(records.ip_events)
    context = "disclosure.snapshottarget:1:ip_events"

    cipher, nonce = AESGCM(os.urandom(32)), os.urandom(12)
    raw_encrypt = median_seconds(lambda: cipher.encrypt(nonce, plaintext, context.encode()), args.runs * 4)
    ciphertext = cipher.encrypt(nonce, plaintext, context.encode())
    raw_decrypt = median_seconds(lambda: cipher.decrypt(nonce, ciphertext, context.encode()), args.runs * 4)

    read = median_seconds(lambda: provider.records(ACCOUNT_ID, CATEGORIES, DAY_FROM, DAY_TO), args.runs)
    encode = median_seconds(lambda: codec.encode_ip_events(records.ip_events), args.runs)
    sealing = median_seconds(lambda: seal(plaintext, context=context), args.runs * 4)
    freeze = median_seconds(in_rollback(lambda: snapshot_freeze(proposal=proposal, approval=approval,
                                                                actor=reviewer)), args.runs)  # fmt: skip

    with transaction.atomic():
        snapshot_freeze(proposal=proposal, approval=approval, actor=reviewer)
        legal_request = proposal.legal_request
        opened = median_seconds(
            lambda: approved_decision(legal_request=legal_request, actor=reviewer, purpose="bench"), args.runs
        )
        transaction.set_rollback(True)

    mb = len(plaintext) / 1e6
    print(f"plaintext of the IP events: {mb:.2f} MB ({len(plaintext) / events:.0f} bytes per event)")
    print(f"snapshot_freeze (read + encode + seal + store + audit): {freeze:8.3f} s")
    print(f"  provider read                                       : {read:8.3f} s")
    print(f"  encoding                                            : {encode:8.3f} s")
    print(f"  sealing the IP events (vault.crypto.seal)      : {sealing:8.4f} s")
    throughput = mb / raw_encrypt
    print(f"raw AES-GCM encrypt of the same bytes                 : {raw_encrypt:8.4f} s  ({throughput:,.0f} MB/s)")
    print(f"ratio snapshot_freeze / raw AES-GCM                   : {freeze / raw_encrypt:8.1f} x")
    print(f"ratio seal / raw AES-GCM (envelope and key overhead)  : {sealing / raw_encrypt:8.2f} x")
    print(f"approved_decision (decrypt + decode + audit)          : {opened:8.3f} s")
    print(f"raw AES-GCM decrypt of the same bytes                 : {raw_decrypt:8.4f} s")
    print(f"ratio approved_decision / raw AES-GCM decrypt         : {opened / raw_decrypt:8.1f} x")


if __name__ == "__main__":
    main()
