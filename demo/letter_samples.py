"""Synthetic letter content, for benchmarks and tests that render without a database.

Addresses come from the documentation ranges (RFC 5737, RFC 3849) and phone numbers from the
fictional +1 202 555 01xx block, so nothing here is anybody's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from disclosure.records import ApprovedDecision, DisclosedTarget, RefusedItem, RuleFinding
from letters.content import AskedTarget, DocumentDigest, LetterContent, LetterKind
from subscribers.records import IpEvent, PhonePeriod

SAMPLE_RESPONDED_AT = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SAMPLE_APPROVED_AT = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
SAMPLE_DATE_FROM = dt.date(2026, 10, 1)
SAMPLE_DATE_TO = dt.date(2026, 11, 1)


def sample_ip_events(count: int, *, start: dt.datetime | None = None, ipv6_every: int = 7) -> list[IpEvent]:
    """``count`` events spread over the sample period, one in ``ipv6_every`` an IPv6 address."""
    return list(iter_sample_ip_events(count, start=start, ipv6_every=ipv6_every))


def iter_sample_ip_events(count: int, *, start: dt.datetime | None = None, ipv6_every: int = 7) -> Iterator[IpEvent]:
    """``sample_ip_events`` one at a time, for counts too large to hold as a list."""
    start = start or dt.datetime.combine(SAMPLE_DATE_FROM, dt.time.min, tzinfo=dt.UTC)
    span = (SAMPLE_DATE_TO - SAMPLE_DATE_FROM).days * 86400
    step = max(span // max(count, 1), 1)
    for i in range(count):
        if ipv6_every and i % ipv6_every == 0:
            ip = f"2001:db8:{i % 65536:x}:{(i * 7) % 65536:x}::{(i * 13) % 65536:x}"
        else:
            ip = f"{('192.0.2', '198.51.100', '203.0.113')[i % 3]}.{i % 254 + 1}"
        yield IpEvent(ts=start + dt.timedelta(seconds=i * step), ip=ip, port=1024 + (i * 31) % 64000)


def sample_target(
    target_id: int = 1,
    *,
    events: int = 10,
    found: bool = True,
    categories: tuple[str, ...] = ("phone_number", "ip_addresses"),
    target_type: str = "username",
    target_value: str = "sample.user",
) -> DisclosedTarget:
    if not found:
        return DisclosedTarget(
            target_id=target_id,
            target_type=target_type,
            target_value=target_value,
            found=False,
            account_id="",
            categories=categories,
            date_from=SAMPLE_DATE_FROM,
            date_to=SAMPLE_DATE_TO,
        )
    return DisclosedTarget(
        target_id=target_id,
        target_type=target_type,
        target_value=target_value,
        found=True,
        account_id=f"acct-{100000 + target_id}",
        categories=categories,
        date_from=SAMPLE_DATE_FROM,
        date_to=SAMPLE_DATE_TO,
        phone_numbers=(
            (
                PhonePeriod(
                    number=f"+1202555{100 + target_id:04d}",
                    valid_from=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
                    valid_to=None,
                ),
            )
            if "phone_number" in categories
            else ()
        ),
        ip_events=sample_ip_events(events) if "ip_addresses" in categories else (),
        profile={"display_name": "Sample User", "registered_at": "2024-03-01T10:00:00Z"}
        if "subscriber_profile" in categories
        else None,
    )


def sample_decision(
    *,
    targets: tuple[DisclosedTarget, ...],
    outcome: str = "disclosed",
    refused: tuple[RefusedItem, ...] = (),
    reasons: tuple[str, ...] = (),
) -> ApprovedDecision:
    return ApprovedDecision(
        decision="reject" if outcome == "rejected" else "disclose",
        outcome=outcome,
        proposed_by_role="analyst",
        approved_by_role="reviewer",
        proposed_by_name="Anna Analyst",
        approved_by_name="Rita Reviewer",
        approved_at=SAMPLE_APPROVED_AT,
        reasons=reasons,
        refused=refused,
        targets=targets,
    )


def sample_letter_content(
    *, kind: LetterKind = LetterKind.DISCLOSURE, decision: ApprovedDecision | None = None, events: int = 10, **overrides
) -> LetterContent:
    if decision is None and kind == LetterKind.DISCLOSURE:
        decision = sample_decision(targets=(sample_target(events=events),))
    asked = tuple(
        AskedTarget(
            target_id=t.target_id,
            target_type=t.target_type,
            display_value=f"@{t.target_value}" if t.target_type == "username" else t.target_value,
        )
        for t in (decision.targets if decision else ())
    ) or (AskedTarget(target_id=1, target_type="username", display_value="@sample.user"),)
    fields = {
        "kind": kind,
        "platform_name": "Example Messaging Platform",
        "ref": "LR-2026-000042",
        "agency_name": "Springfield Police Department",
        "agency_country": "US",
        "jurisdiction_code": "US",
        "jurisdiction_name": "United States",
        "case_number": "2026-CR-0042",
        "process_type": "subpoena",
        "legal_channel": "direct",
        "issuing_authority_type": "court",
        "issuing_authority_name": "U.S. District Court, D. Springfield",
        "issued_at": dt.date(2026, 11, 20),
        "received_at": dt.datetime(2026, 11, 20, 14, 3, tzinfo=dt.UTC),
        "responded_at": SAMPLE_RESPONDED_AT,
        "asked_categories": ("ip_addresses", "phone_number"),
        "asked_date_from": SAMPLE_DATE_FROM,
        "asked_date_to": SAMPLE_DATE_TO,
        "asked_targets": asked,
        "documents": (DocumentDigest(name="subpoena.pdf", sha256="ab" * 32),),
        "decision": decision,
        "failing_rules": (),
        "rejection_reasons": (),
        "verification_url": "https://lawreq.example/verify/",
    }
    fields.update(overrides)
    return LetterContent(**fields)


def sample_rejection_content(**overrides) -> LetterContent:
    fields = {
        "kind": LetterKind.REJECTION,
        "decision": None,
        "failing_rules": (
            RuleFinding(
                rule="us.subpoena_scope",
                message="A subpoena cannot compel IP logs beyond basic subscriber information.",
                citation="18 U.S.C. 2703(c)(2)",
            ),
        ),
        "rejection_reasons": ("The order does not name a criminal offence.",),
    }
    fields.update(overrides)
    return sample_letter_content(**fields)
