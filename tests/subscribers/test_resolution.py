from __future__ import annotations

import orjson
import pytest

from audit.actions import AuditAction
from audit.services import audit_hash_identifier
from requests_app.choices import Resolution
from subscribers.services import legal_request_resolve_targets

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "+33612345678"])
def test_a_phone_in_national_or_international_format_resolves(draft_factory, officer_b, make_account, written):
    make_account("acc-fr", username="jean", phone="+33612345678")
    legal_request = draft_factory(officer_b, targets=[{"type": "phone", "value": written}])

    legal_request_resolve_targets(legal_request=legal_request)

    target = legal_request.targets.get()
    assert (target.resolution, target.account_id) == (Resolution.FOUND, "acc-fr")


def test_a_national_phone_stored_unnormalised_is_read_in_the_requests_region(draft_factory, officer_b, make_account):
    make_account("acc-fr", username="jean", phone="+33612345678")
    legal_request = draft_factory(officer_b)
    target = legal_request.targets.get()
    target.value = "06 12 34 56 78"
    target.save()

    legal_request_resolve_targets(legal_request=legal_request)

    assert legal_request.targets.get().account_id == "acc-fr"


@pytest.mark.parametrize("written", ["@SomeOne", "someone", "@someone", "SOMEONE"])
def test_a_username_resolves_with_or_without_at_sign(draft_factory, officer_a, make_account, written):
    make_account("acc-1", username="SomeOne")
    legal_request = draft_factory(officer_a, targets=[{"type": "username", "value": written}])

    legal_request_resolve_targets(legal_request=legal_request)

    assert legal_request.targets.get().account_id == "acc-1"


def test_unknown_targets_are_marked_not_found(draft_factory, officer_a, make_account):
    make_account("acc-1", username="someone", phone="+12025550100")
    legal_request = draft_factory(
        officer_a,
        targets=[
            {"type": "username", "value": "@someone"},
            {"type": "phone", "value": "(202) 555-0199"},
            {"type": "account_id", "value": "acc-404"},
        ],
    )

    legal_request_resolve_targets(legal_request=legal_request)

    assert [(target.resolution, target.account_id) for target in legal_request.targets.order_by("id")] == [
        (Resolution.FOUND, "acc-1"),
        (Resolution.NOT_FOUND, ""),
        (Resolution.NOT_FOUND, ""),
    ]


def test_resolution_is_audited_with_hashed_identifiers_only(draft_factory, officer_a, make_account, audit_trail):
    make_account("acc-1", username="someone", phone="+12025550100")
    legal_request = draft_factory(officer_a)  # @someone and (202) 555-0199
    audit_trail.mark()

    legal_request_resolve_targets(legal_request=legal_request)

    entries = audit_trail.entries(AuditAction.TARGET_RESOLVED)
    assert [(e.details["found"], e.details["identifier"]) for e in entries] == [
        (True, audit_hash_identifier("someone")),
        (False, audit_hash_identifier("+12025550199")),
    ]
    assert entries[0].details["account"] == audit_hash_identifier("acc-1")
    written = b"".join(orjson.dumps(e.details) for e in entries)
    for raw in (b"someone", b"+12025550199", b"2025550199", b"acc-1"):
        assert raw not in written
