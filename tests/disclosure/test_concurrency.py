"""Two reviewers approving the same proposal at the same moment, each on its own connection."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from disclosure.models import Approval, Decision, DisclosureSnapshot
from lawreq.errors import DomainError
from requests_app.models import LegalRequest
from requests_app.states import State
from workflow.services import do_decide, do_propose

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_approving_at_once_give_one_approval(
    in_review_factory, officer_a, analyst, reviewer, second_reviewer, make_account
):
    make_account("acc-1", username="someone", events=[("2026-10-15 12:00:00", "203.0.113.7", 443)])
    legal_request = in_review_factory(officer_a)
    do_propose(
        legal_request=legal_request,
        actor=analyst,
        decision=Decision.DISCLOSE,
        categories=["ip_addresses"],
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 10, 31),
    )
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(user) -> None:
        try:
            start.wait()
            do_decide(legal_request=LegalRequest.objects.get(pk=legal_request.pk), actor=user, approve=True)
            outcomes[user.username] = "approved"
        except DomainError as refused:
            outcomes[user.username] = f"{refused.status_code}"
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (reviewer, second_reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["409", "approved"]
    assert Approval.objects.filter(proposal__legal_request=legal_request).count() == 1
    assert DisclosureSnapshot.objects.filter(legal_request=legal_request).count() == 1
    assert LegalRequest.objects.get(pk=legal_request.pk).state == State.APPROVED
