"""What an approved answer discloses, as plain data: the contract between the disclosure
snapshot (which builds and decrypts it) and the letters (which render it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from requests_app.choices import Outcome
from subscribers.records import IpEvent, PhonePeriod


@dataclass(frozen=True)
class DisclosedTarget:
    target_id: int
    target_type: str  # phone | username | account_id
    target_value: str  # as the request named it, normalised
    found: bool
    account_id: str
    categories: tuple[str, ...]  # approved categories for this target
    date_from: dt.date
    date_to: dt.date  # inclusive, UTC days
    phone_numbers: tuple[PhonePeriod, ...] = ()
    ip_events: Sequence[IpEvent] = ()
    profile: dict | None = None  # subscriber_profile, when approved


@dataclass(frozen=True)
class RefusedItem:
    what: str  # e.g. "content", "ip_addresses before 2026-01-01", "target #3"
    reason: str


@dataclass(frozen=True)
class RuleFinding:
    """A failed rule as an officer may read it: its id, message and citation, never its notes."""

    rule: str
    message: str
    citation: str


@dataclass(frozen=True)
class AnnexIIIAnswer:
    """The answer's Annex III part (Regulation (EU) 2023/1543): the ticked boxes of Section D(a) as
    codes (``disclosure.annex_iii``), the explanation for the issuing authority, and whether the
    answer came after the deadline."""

    grounds: tuple[str, ...]
    explanation: str = ""
    late: bool = False


@dataclass(frozen=True)
class ApprovedDecision:
    decision: str  # disclose | reject
    outcome: str  # disclosed | partially_disclosed | no_records | rejected | preserved
    proposed_by_role: str
    approved_by_role: str
    proposed_by_name: str
    approved_by_name: str
    approved_at: dt.datetime
    reasons: tuple[str, ...] = ()  # the reviewer's / analyst's reasons, shown in the letter
    refused: tuple[RefusedItem, ...] = ()
    failing_rules: tuple[RuleFinding, ...] = ()  # a rejection: the rules that failed, as frozen at decision time
    targets: tuple[DisclosedTarget, ...] = field(default_factory=tuple)
    annex_iii: AnnexIIIAnswer | None = None  # an answer to a European order that falls short

    @property
    def accounts_affected(self) -> int:
        """Distinct accounts whose data went out: a username and a phone number of the same person count
        once; a preservation discloses nothing, so affects none."""
        if self.outcome == Outcome.PRESERVED:
            return 0
        return len({t.account_id for t in self.targets if t.found})
