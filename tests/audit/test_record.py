from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from audit.actions import AuditAction
from audit.canonical import ERR_FLOAT, GENESIS_HASH, NotCanonical
from audit.models import AppendOnlyError, AuditEntry
from audit.services import (
    audit_batch,
    audit_hash_identifier,
    audit_login_failed,
    audit_login_succeeded,
    audit_permission_denied,
    audit_record,
    audit_sequence,
)
from audit.verification import PROBLEM_CONTENT, audit_chain_verify
from tests.audit.tampering import raw_sql

pytestmark = pytest.mark.django_db


def test_entries_are_written_pending_then_the_sequencer_links_each_to_the_previous_one():
    audit_record(action=AuditAction.REQUEST_CREATED, request_ref="LR-2026-000001")
    audit_record(action=AuditAction.REQUEST_TRANSITIONED, request_ref="LR-2026-000001")
    assert list(AuditEntry.objects.values_list("seq", "entry_hash")) == [(None, ""), (None, "")]

    assert audit_sequence() == 2

    first, second = AuditEntry.objects.order_by("seq")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert audit_chain_verify().ok


def test_entry_names_actor_and_role_in_utc(analyst):
    entry = audit_record(action=AuditAction.REQUEST_VIEWED, actor=analyst, obj=analyst)

    stored = AuditEntry.objects.get(seq=entry.seq)
    assert (stored.actor_id, stored.actor_username, stored.role) == (analyst.pk, analyst.username, "analyst")
    assert stored.created_at.utcoffset().total_seconds() == 0
    assert stored.object_type == "auth.user"


def test_system_and_anonymous_actors_are_named_as_such():
    assert audit_record(action=AuditAction.RESPONSE_ISSUED).role == "system"
    assert audit_record(action=AuditAction.LOGIN_FAILED, actor=AnonymousUser()).role == "anonymous"


def test_floats_in_details_are_refused_and_nothing_is_written():
    with pytest.raises(NotCanonical, match=ERR_FLOAT.format(path="details.score")):
        audit_record(action=AuditAction.REQUEST_CHECKED, details={"score": 0.5})
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "details", [{"a": "nul\x00byte"}, {"nul\x00key": 1}, {"a": "\ud800"}, {"a": 2**64}, {"a": {1, 2}}, {1: "int key"}]
)
def test_details_that_would_not_survive_the_database_are_refused(details):
    with pytest.raises(NotCanonical):
        audit_record(action=AuditAction.REQUEST_CHECKED, details=details)


def test_saving_or_deleting_an_entry_through_the_orm_is_refused():
    entry = audit_record(action=AuditAction.REQUEST_CREATED)
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=entry.seq).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_row_altered_in_the_database_is_detected_and_named():
    for _ in range(5):
        audit_record(action=AuditAction.REQUEST_VIEWED, details={"n": 1})
    audit_sequence()
    raw_sql("UPDATE audit_auditentry SET role = 'admin' WHERE seq = 3")

    result = audit_chain_verify()

    assert (result.ok, result.first_bad_seq, result.entries_checked) == (False, 3, 2)
    assert result.problem == PROBLEM_CONTENT.format(seq=3)


def test_failed_login_keeps_only_keyed_hashes_of_username_and_address():
    entry = audit_login_failed(username="Alice.Officer", ip_address="203.0.113.7")

    assert entry.action == AuditAction.LOGIN_FAILED
    assert entry.details["username_hash"] == audit_hash_identifier("alice.officer")
    assert entry.details["ip_hash"] == audit_hash_identifier("203.0.113.7")
    stored_text = str(AuditEntry.objects.filter(seq=entry.seq).values_list("details", flat=True).get())
    assert "203.0.113.7" not in stored_text and "alice" not in stored_text.lower()


def test_throttled_login_has_its_own_action():
    assert audit_login_failed(username="x", throttled=True).action == AuditAction.LOGIN_THROTTLED


def test_successful_login_names_the_user_and_hashes_the_address(officer_a):
    entry = audit_login_succeeded(user=officer_a, ip_address="198.51.100.2")

    assert (entry.actor_id, entry.role) == (officer_a.pk, "officer")
    assert entry.details == {
        "method": "token",
        "second_factor": False,
        "ip_hash": audit_hash_identifier("198.51.100.2"),
    }


def test_permission_denial_helper_records_who_was_refused_what(auditor, audit_trail):
    audit_permission_denied(
        actor=auditor,
        resource="disclosure.snapshot",
        request_ref="LR-2026-000007",
        reason="auditors never see disclosed data",
    )

    entry = audit_trail.assert_recorded(
        AuditAction.PERMISSION_DENIED, actor=auditor, request_ref="LR-2026-000007", resource="disclosure.snapshot"
    )
    assert entry.role == "auditor"


def test_audit_trail_fixture_fails_when_the_entry_is_missing(audit_trail):
    audit_record(action=AuditAction.REQUEST_VIEWED, request_ref="LR-2026-000001")

    with pytest.raises(AssertionError):
        audit_trail.assert_recorded(AuditAction.SNAPSHOT_READ)
    with pytest.raises(AssertionError):
        audit_trail.assert_recorded(AuditAction.REQUEST_VIEWED, request_ref="LR-2026-000002")


def test_string_enums_in_details_are_stored_as_plain_strings():
    from requests_app.states import State

    entry = audit_record(action=AuditAction.REQUEST_TRANSITIONED, details={"to": State.RECEIVED})

    assert AuditEntry.objects.get(seq=entry.seq).details == {"to": "received"}
    assert audit_chain_verify().ok


def test_a_batch_appends_its_entries_at_its_end_in_the_order_they_were_written():
    with transaction.atomic(), audit_batch():
        audit_record(action=AuditAction.PROPOSAL_APPROVED, request_ref="LR-2026-000001")
        audit_record(action=AuditAction.SNAPSHOT_FROZEN, request_ref="LR-2026-000001")
        assert not AuditEntry.objects.exists()  # queued, the chain lock not taken yet

    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions == [AuditAction.PROPOSAL_APPROVED, AuditAction.SNAPSHOT_FROZEN]
    assert audit_chain_verify().ok


def test_a_batch_that_fails_or_is_rolled_back_appends_nothing():
    with pytest.raises(ValueError), transaction.atomic(), audit_batch():
        audit_record(action=AuditAction.PROPOSAL_APPROVED)
        raise ValueError("the step failed")
    with transaction.atomic(), audit_batch():
        audit_record(action=AuditAction.PROPOSAL_APPROVED)
        transaction.set_rollback(True)

    assert not AuditEntry.objects.exists()
