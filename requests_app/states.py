"""The request life cycle: the only place that says which state may follow which."""

from __future__ import annotations

from requests_app.models import State

# Withdrawal is possible until a response exists.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.RECEIVED, State.WITHDRAWN}),
    State.RECEIVED: frozenset({State.IN_REVIEW, State.NEEDS_INFO, State.WITHDRAWN}),
    State.NEEDS_INFO: frozenset({State.RECEIVED, State.WITHDRAWN}),
    State.IN_REVIEW: frozenset({State.PENDING_APPROVAL, State.NEEDS_INFO, State.WITHDRAWN}),
    State.PENDING_APPROVAL: frozenset({State.APPROVED, State.REJECTED, State.IN_REVIEW, State.WITHDRAWN}),
    State.APPROVED: frozenset({State.RESPONDED, State.WITHDRAWN}),
    State.RESPONDED: frozenset(),
    State.REJECTED: frozenset(),
    State.WITHDRAWN: frozenset(),
}

OPEN_STATES = frozenset({State.RECEIVED, State.NEEDS_INFO, State.IN_REVIEW, State.PENDING_APPROVAL, State.APPROVED})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())
