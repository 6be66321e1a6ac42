"""The request life cycle: its states, the only table of which state may follow which, and the
named sets of states every other module uses instead of spelling them out again."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RECEIVED = "received", _("Received")
    NEEDS_INFO = "needs_info", _("Needs information")
    IN_REVIEW = "in_review", _("In review")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    RESPONDED = "responded", _("Responded")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


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

# The officer may change the request, add documents and (re)submit it.
EDITABLE_STATES = frozenset({State.DRAFT, State.NEEDS_INFO})
# Submitted and not yet decided: the rule checks may run (again).
CHECKABLE_STATES = frozenset({State.RECEIVED, State.NEEDS_INFO, State.IN_REVIEW})
# Decided: a response letter is due (a disclosure, no records, or a rejection).
ANSWERABLE_STATES = frozenset({State.APPROVED, State.REJECTED})
# The checks' failures are why the request is here: the officer reads them (never while staff deliberate).
EXPLAINED_BY_CHECKS_STATES = frozenset({State.NEEDS_INFO, State.REJECTED})
# Waiting for the platform's answer: a deadline means something only then.
OPEN_STATES = frozenset({State.RECEIVED, State.NEEDS_INFO, State.IN_REVIEW, State.PENDING_APPROVAL, State.APPROVED})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())
