"""Synthetic but plausible subscribers: phones of several countries, IPv4 and IPv6, source ports.

Deterministic for a seed. Each account connects from a small pool of addresses (home, mobile,
work; some IPv6 /64s), as real users do, with the odd one-off address in between.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import InvalidInput
from subscribers.bulk import NewAccount, accounts_insert
from subscribers.models import Account

ERR_GENERATE_SIZE = "Accounts must be at least 1 and events per account at least 0."

# Regions whose example mobile numbers stay valid when their last six digits change.
PHONE_REGIONS = ("US", "FR", "DE", "GB", "IN", "BR", "ES", "IT", "NG", "ID", "TR", "MX")
_WORDS_A = (
    "blue",
    "quiet",
    "rapid",
    "north",
    "lucky",
    "silver",
    "urban",
    "wild",
    "tiny",
    "brave",
    "misty",
    "solar",
)
_WORDS_B = (
    "fox",
    "river",
    "falcon",
    "maple",
    "harbor",
    "comet",
    "otter",
    "cedar",
    "pixel",
    "tiger",
    "willow",
    "delta",
)
_FIRST = ("Alex", "Maria", "Jean", "Lena", "Omar", "Yuki", "Priya", "Lucas", "Amara", "Noah", "Sofia", "Ivan")
_LAST = ("Martin", "Garcia", "Muller", "Rossi", "Okafor", "Tanaka", "Singh", "Silva", "Dubois", "Smith")
_V4_FIRST_OCTETS = (2, 5, 31, 37, 46, 62, 78, 81, 82, 86, 90, 92, 109, 176, 178, 185, 188, 193, 212, 217)
_V6_PREFIXES = ("2a01:cb00", "2a02:8428", "2001:4860", "2600:1700", "2a00:23c5", "2405:201")


class PhoneFactory:
    """Valid E.164 numbers built from phonenumbers' example mobile numbers, one pattern per region."""

    def __init__(self) -> None:
        self._patterns: list[tuple[int, str]] = []
        for region in PHONE_REGIONS:
            example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
            if example is not None:
                self._patterns.append((example.country_code, str(example.national_number)))

    def number(self, index: int, rng: random.Random) -> str:
        country_code, national = self._patterns[index % len(self._patterns)]
        for attempt in range(5):
            suffix = f"{(index // len(self._patterns) + attempt * 7919) % 1_000_000:06d}"
            candidate = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national[:-6] + suffix))
            if phonenumbers.is_valid_number(candidate):
                return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
        return f"+{country_code}{national}"


def _ipv4(rng: random.Random) -> str:
    return f"{rng.choice(_V4_FIRST_OCTETS)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _ipv6(rng: random.Random) -> str:
    groups = ":".join(f"{rng.randrange(65536):x}" for _ in range(6))
    return f"{rng.choice(_V6_PREFIXES)}:{groups}"


def synthetic_account(
    *, index: int, rng: random.Random, phones: PhoneFactory, events: int, now: dt.datetime, id_prefix: str
) -> NewAccount:
    registered_at = now - dt.timedelta(seconds=rng.randrange(30 * 86400, 5 * 365 * 86400))
    phone = phones.number(index, rng)
    if rng.random() < 0.2:
        # About one account in five changed number once.
        previous = phones.number(index + 7_000_003, rng)
        changed_at = registered_at + (now - registered_at) * rng.uniform(0.2, 0.8)
        periods = ((previous, registered_at, changed_at), (phone, changed_at, None))
    else:
        periods = ((phone, registered_at, None),)

    pool = [_ipv4(rng) for _ in range(rng.randint(1, 4))] + [_ipv6(rng) for _ in range(rng.randint(0, 2))]
    first_event = max(registered_at, now - dt.timedelta(days=365))
    span = int((now - first_event).total_seconds())
    offsets = sorted(rng.randrange(span) for _ in range(events))
    event_rows = []
    for offset in offsets:
        ip = rng.choice(pool) if rng.random() < 0.9 else (_ipv4(rng) if rng.random() < 0.7 else _ipv6(rng))
        event_rows.append((first_event + dt.timedelta(seconds=offset), ip, rng.randrange(1024, 65536)))

    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    username = f"{rng.choice(_WORDS_A)}_{rng.choice(_WORDS_B)}{index}"
    return NewAccount(
        account_id=f"{id_prefix}{index:09d}",
        username=username,
        display_name=f"{first} {last}",
        email=f"{username}@example.net",
        registered_at=registered_at,
        phone=phone,
        phone_history=periods,
        ip_events=event_rows,
    )


@dataclass(frozen=True)
class GenerateResult:
    accounts: int
    ip_events: int
    seconds: float


def subscribers_generate(
    *,
    accounts: int,
    events_per_account: int,
    seed: int = 1,
    chunk_accounts: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Synthetic accounts and events, committed one chunk of accounts at a time.

    Account ids continue after the synthetic accounts already stored, so running it again adds.
    """
    if accounts < 1 or events_per_account < 0:
        raise InvalidInput(ERR_GENERATE_SIZE)
    started = timezone.now()
    rng = random.Random(seed)
    phones = PhoneFactory()
    now = started.replace(microsecond=0)
    first_index = Account.objects.filter(account_id__startswith="S").count()
    total_events = 0
    for chunk_start in range(first_index, first_index + accounts, chunk_accounts):
        chunk_end = min(chunk_start + chunk_accounts, first_index + accounts)
        generated = [
            synthetic_account(index=index, rng=rng, phones=phones, events=events_per_account, now=now, id_prefix="S")
            for index in range(chunk_start, chunk_end)
        ]
        with transaction.atomic():
            total_events += accounts_insert(generated)[1]
        if progress is not None:
            progress(chunk_end - chunk_start)
    with transaction.atomic():
        audit_record(
            action=AuditAction.SUBSCRIBERS_IMPORTED,
            details={"synthetic": True, "accounts": accounts, "ip_events": total_events, "seed": seed},
        )
    return GenerateResult(accounts=accounts, ip_events=total_events, seconds=(timezone.now() - started).total_seconds())
