from __future__ import annotations

import datetime as dt

from disclosure.records import ApprovedDecision, DisclosedTarget


def _target(target_id: int, account_id: str, *, found: bool = True) -> DisclosedTarget:
    return DisclosedTarget(
        target_id=target_id,
        target_type="username",
        target_value=f"user{target_id}",
        found=found,
        account_id=account_id,
        categories=("ip_addresses",),
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 10, 31),
    )


def test_accounts_affected_counts_each_account_once():
    decision = ApprovedDecision(
        decision="disclose", outcome="disclosed", proposed_by_role="analyst", approved_by_role="reviewer",
        proposed_by_name="A", approved_by_name="R", approved_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        targets=(_target(1, "acc-1"), _target(2, "acc-1"), _target(3, "acc-2"), _target(4, "", found=False)),
    )  # fmt: skip
    assert decision.accounts_affected == 2
