from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from django.core.management import CommandError, call_command

from audit.actions import AuditAction
from disclosure.models import Decision, DisclosureSnapshot, SnapshotTarget
from disclosure.records import RefusedItem
from disclosure.selectors import ERR_PURPOSE, approved_decision
from disclosure.services import REASON_NARROWED, REASON_NARROWED_SEE_REASONS, REASON_NOT_ALLOWED, REASON_NOT_PROPOSED
from lawreq.errors import InvalidInput, NotFound
from requests_app.choices import Outcome
from requests_app.models import LegalRequest
from subscribers.models import Account
from subscribers.models import IpEvent as IpEventRow
from subscribers.records import IpEvent, PhonePeriod
from subscribers.services import legal_request_resolve_targets
from tests.conftest import SHARED_PER_MODULE, us_request_payload
from tests.subscribers.conftest import at
from vault.crypto import ERR_TAMPERED, DecryptionRefused, envelope_key_id
from vault.services import keys_rotate
from workflow.services import do_decide, do_propose

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

OCT_10, OCT_20 = dt.date(2026, 10, 10), dt.date(2026, 10, 20)
NARROWED = "Ten days around the offence are enough."  # the analyst's justification: internal
FOR_THE_LETTER = "The investigation needs only the days around the offence."
END_OF_OCT_20 = at("2026-10-21 00:00:00") - dt.timedelta(microseconds=1)


@pytest.fixture
def platform_data(make_account):
    """The suspect (@someone), the holder of the phone target, and a stranger nobody asked about."""
    make_account(
        "acc-1",
        username="someone",
        phone="+12025550100",
        events=[
            ("2026-10-09 23:59:59", "203.0.113.1", 1001),  # one second before the approved days
            ("2026-10-10 00:00:00", "203.0.113.2", 1002),
            ("2026-10-15 12:30:00", "2001:db8::7", 1003),
            ("2026-10-20 23:59:59", "203.0.113.4", None),
            ("2026-10-21 00:00:00", "203.0.113.5", 1005),  # one second after
        ],
    )
    make_account(
        "acc-2",
        username="bob",
        phone="+12025550199",
        events=[
            ("2026-10-12 10:00:00", "198.51.100.9", 2001),
        ],
        phone_periods=[
            ("+12025550111", "2024-01-01 00:00:00", "2026-10-12 09:00:00"),
            ("+12025550199", "2026-10-12 09:00:00", None),
        ],
    )
    make_account(
        "acc-3",
        username="stranger",
        phone="+12025550142",
        events=[
            ("2026-10-15 12:30:00", "192.0.2.55", 3001),
        ],
    )


def approve(legal_request, analyst, reviewer, **proposal):
    arguments = {
        "decision": Decision.DISCLOSE,
        "categories": ["ip_addresses", "phone_number"],
        "date_from": OCT_10,
        "date_to": OCT_20,
        "reason": NARROWED,
    }
    arguments.update(proposal)
    do_propose(legal_request=legal_request, actor=analyst, **arguments)
    do_decide(legal_request=legal_request, actor=reviewer, approve=True, comment="Agreed.")
    return DisclosureSnapshot.objects.get(legal_request=legal_request)


def test_full_flow_from_submission_to_an_approved_snapshot(
    api, officer_a, analyst, reviewer, platform_data, shipped_rules, pdf_upload, django_capture_on_commit_callbacks
):

    # given: a request filed and submitted by the officer; validation runs after commit
    officer = api(officer_a)
    ref = officer.post("/api/v1/requests/", us_request_payload(), format="json").json()["ref"]
    uploaded = officer.post(f"/api/v1/requests/{ref}/documents/", {"file": pdf_upload()}, format="multipart")
    assert uploaded.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert officer.post(f"/api/v1/requests/{ref}/submit/").status_code == 200
    legal_request = LegalRequest.objects.get(ref=ref)
    legal_request_resolve_targets(legal_request=legal_request)
    assert officer.get(f"/api/v1/requests/{ref}/").json()["state"] == "in_review"
    suspect, phone_target = legal_request.targets.order_by("id")

    # when: the analyst proposes ten days of IP addresses and phone numbers, and a reviewer approves
    proposed = api(analyst).post(
        f"/api/v1/requests/{ref}/proposal/",
        {
            "decision": "disclose",
            "categories": ["ip_addresses", "phone_number"],
            "date_from": "2026-10-10",
            "date_to": "2026-10-20",
            "targets": [suspect.pk, phone_target.pk],
            "reason": NARROWED,
            "reasons": [FOR_THE_LETTER],
        },
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        approved = api(reviewer).post(f"/api/v1/requests/{ref}/approval/", {"approve": True}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved" and approved.json()["state"] == "approved"
    assert len(enqueued) == 1

    # then: the snapshot holds exactly the approved records
    decision = approved_decision(legal_request=legal_request, actor=None, purpose="test: full flow")
    assert (decision.decision, decision.outcome) == ("disclose", Outcome.PARTIALLY_DISCLOSED)
    assert (decision.proposed_by_name, decision.approved_by_name) == ("anna.analyst", "rita.reviewer")
    assert decision.refused == (
        RefusedItem(what="Records after 2026-10-20", reason=REASON_NARROWED_SEE_REASONS),
        RefusedItem(what="Records before 2026-10-10", reason=REASON_NARROWED_SEE_REASONS),
    )
    assert decision.reasons == (FOR_THE_LETTER,)
    first, second = decision.targets
    assert (first.target_id, first.target_type, first.target_value, first.found, first.account_id) == (
        suspect.pk,
        "username",
        "someone",
        True,
        "acc-1",
    )
    assert (first.categories, first.date_from, first.date_to) == (("ip_addresses", "phone_number"), OCT_10, OCT_20)
    assert list(first.ip_events) == [
        IpEvent(ts=at("2026-10-10 00:00:00"), ip="203.0.113.2", port=1002),
        IpEvent(ts=at("2026-10-15 12:30:00"), ip="2001:db8::7", port=1003),
        IpEvent(ts=at("2026-10-20 23:59:59"), ip="203.0.113.4", port=None),
    ]
    assert first.phone_numbers == (PhonePeriod("+12025550100", at("2026-10-10 00:00:00"), END_OF_OCT_20),)
    assert first.profile is None
    assert (second.target_value, second.account_id) == ("+12025550199", "acc-2")
    assert list(second.ip_events) == [IpEvent(ts=at("2026-10-12 10:00:00"), ip="198.51.100.9", port=2001)]
    assert second.phone_numbers == (
        PhonePeriod("+12025550111", at("2026-10-10 00:00:00"), at("2026-10-12 09:00:00")),
        PhonePeriod("+12025550199", at("2026-10-12 09:00:00"), END_OF_OCT_20),
    )
    assert decision.accounts_affected == 2

    # and the API shows the same to the legal team
    shown = api(analyst).get(f"/api/v1/requests/{ref}/snapshot/").json()
    assert [e["ip"] for e in shown["targets"][0]["ip_events"]] == ["203.0.113.2", "2001:db8::7", "203.0.113.4"]
    assert shown["outcome"] == "partially_disclosed"


def test_nothing_outside_the_approval_is_in_the_sealed_rows(
    in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer, categories=["ip_addresses"])

    decision = approved_decision(legal_request=legal_request, actor=analyst, purpose="test")
    ips = {event.ip for target in decision.targets for event in target.ip_events}
    assert ips == {"203.0.113.2", "2001:db8::7", "203.0.113.4", "198.51.100.9"}
    assert all(target.phone_numbers == () and target.profile is None for target in decision.targets)
    for entry in SnapshotTarget.objects.filter(snapshot=snapshot):
        assert bytes(entry.phone_numbers) == b"" and bytes(entry.profile) == b""  # not approved: not stored
        for field in SnapshotTarget.SEALED_FIELDS:
            stored = bytes(getattr(entry, field))
            assert b"203.0.113" not in stored and b"acc-" not in stored and b"+1202" not in stored


def test_later_changes_to_the_platform_data_do_not_change_the_answer(
    in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a)
    approve(legal_request, analyst, reviewer)
    before = approved_decision(legal_request=legal_request, actor=None, purpose="test")

    account = Account.objects.get(account_id="acc-1")
    IpEventRow.objects.create(account=account, ts=at("2026-10-15 13:00:00"), ip="203.0.113.99", port=9)
    IpEventRow.objects.filter(account=account, ip="203.0.113.2").delete()
    Account.objects.filter(pk=account.pk).update(phone="+12025550177")

    assert approved_decision(legal_request=legal_request, actor=None, purpose="test") == before


def test_approving_everything_asked_is_a_full_disclosure(
    in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a)

    snapshot = approve(legal_request, analyst, reviewer, date_from=None, date_to=None)

    assert (snapshot.outcome, snapshot.refused) == (Outcome.DISCLOSED, [])


def test_unknown_targets_only_give_no_records(in_review_factory, officer_a, analyst, reviewer):
    legal_request = in_review_factory(officer_a)

    snapshot = approve(legal_request, analyst, reviewer, date_from=None, date_to=None)

    assert snapshot.outcome == Outcome.NO_RECORDS
    decision = approved_decision(legal_request=legal_request, actor=None, purpose="test")
    assert [(t.found, t.account_id, tuple(t.ip_events)) for t in decision.targets] == [(False, "", ())] * 2


def test_what_was_asked_and_not_given_is_listed_with_why(
    in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a, categories=["ip_addresses", "phone_number", "content"])
    suspect, phone_target = legal_request.targets.order_by("id")

    snapshot = approve(
        legal_request,
        analyst,
        reviewer,
        targets=[suspect.pk],
        categories=["ip_addresses"],
        date_from=None,
        date_to=None,
    )

    assert snapshot.outcome == Outcome.PARTIALLY_DISCLOSED
    assert snapshot.refused == [
        {"what": "Message content", "reason": REASON_NOT_ALLOWED},
        {"what": "Phone numbers", "reason": REASON_NARROWED},
        {"what": "The phone number +12025550199", "reason": REASON_NOT_PROPOSED},
    ]
    assert snapshot.reasons == []
    assert NARROWED not in str(snapshot.refused)
    assert [finding["rule"] for finding in snapshot.failing_rules]  # the rules that refused content


def test_a_tampered_ciphertext_is_refused_and_audited(
    in_review_factory, officer_a, analyst, reviewer, platform_data, audit_trail
):
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer)
    entry = SnapshotTarget.objects.filter(snapshot=snapshot).first()
    tampered = bytearray(entry.ip_events)
    tampered[-5] ^= 0x40
    SnapshotTarget.objects.filter(pk=entry.pk).update(ip_events=bytes(tampered))
    audit_trail.mark()

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        approved_decision(legal_request=legal_request, actor=analyst, purpose="test")

    audit_trail.assert_recorded(
        AuditAction.DECRYPTION_REFUSED,
        actor=analyst,
        request_ref=legal_request.ref,
        context=f"disclosure.snapshottarget:{entry.pk}:ip_events",
    )
    audit_trail.assert_not_recorded(AuditAction.SNAPSHOT_READ)


def test_a_ciphertext_copied_to_another_row_does_not_decrypt(
    in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer)
    first, second = SnapshotTarget.objects.filter(snapshot=snapshot).order_by("target_id")
    SnapshotTarget.objects.filter(pk=second.pk).update(ip_events=bytes(first.ip_events))

    with pytest.raises(DecryptionRefused):
        approved_decision(legal_request=legal_request, actor=None, purpose="test")


def test_key_rotation_round_trip(
    settings, encryption_keys, in_review_factory, officer_a, analyst, reviewer, platform_data, audit_trail
):
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer)
    before = approved_decision(legal_request=legal_request, actor=None, purpose="test")
    k2 = "k2:" + base64.b64encode(bytes(range(32))).decode()
    settings.LAWREQ_ENCRYPTION_KEYS = f"{encryption_keys},{k2}"

    result = keys_rotate()

    sealed = [
        bytes(getattr(entry, field))
        for entry in SnapshotTarget.objects.filter(snapshot=snapshot)
        for field in SnapshotTarget.SEALED_FIELDS
    ]
    assert {envelope_key_id(envelope) for envelope in sealed if envelope} == {"k2"}
    assert result.resealed["disclosure.snapshottarget.ip_events"] == 2 and result.refused == 0
    audit_trail.assert_recorded(AuditAction.KEYS_ROTATED, key_id="k2")
    settings.LAWREQ_ENCRYPTION_KEYS = k2  # the old key is gone: reading needs only k2
    assert approved_decision(legal_request=legal_request, actor=None, purpose="test") == before
    again = keys_rotate()  # targets and documents are sealed too: counted, nothing left to re-seal
    assert sum(again.resealed.values()) == 0
    assert again.already_current >= len([envelope for envelope in sealed if envelope])


def test_rotation_leaves_a_tampered_value_alone_and_fails_loudly(
    settings, encryption_keys, in_review_factory, officer_a, analyst, reviewer, platform_data
):
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer)
    entry = SnapshotTarget.objects.filter(snapshot=snapshot).first()
    SnapshotTarget.objects.filter(pk=entry.pk).update(account=bytes(entry.account)[:-1] + b"\x00")
    settings.LAWREQ_ENCRYPTION_KEYS = f"{encryption_keys},k2:{base64.b64encode(bytes(32)).decode()}"

    with pytest.raises(CommandError, match="1 values failed their integrity check"):
        call_command("rotate_keys", "--no-progress")

    entry.refresh_from_db()
    assert envelope_key_id(entry.account) == "k1" and envelope_key_id(entry.ip_events) == "k2"


@pytest.mark.parametrize("who", ["officer_a", "auditor", "officer_b"])
def test_disclosed_data_is_not_readable_outside_the_legal_team(
    in_review_factory, officer_a, analyst, reviewer, platform_data, request, who
):
    legal_request = in_review_factory(officer_a)
    approve(legal_request, analyst, reviewer)

    with pytest.raises(NotFound):
        approved_decision(legal_request=legal_request, actor=request.getfixturevalue(who), purpose="curious")


def test_every_read_is_audited_with_who_and_why(
    in_review_factory, officer_a, analyst, reviewer, platform_data, audit_trail
):
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer)

    approved_decision(legal_request=legal_request, actor=reviewer, purpose="checking the answer before it is sent")

    audit_trail.assert_recorded(
        AuditAction.SNAPSHOT_READ,
        actor=reviewer,
        request_ref=legal_request.ref,
        purpose="checking the answer before it is sent",
        snapshot_id=snapshot.pk,
    )


def test_a_read_without_a_purpose_is_refused(in_review_factory, officer_a, analyst, reviewer, platform_data):
    legal_request = in_review_factory(officer_a)
    approve(legal_request, analyst, reviewer)

    with pytest.raises(InvalidInput, match=re.escape(ERR_PURPOSE)):
        approved_decision(legal_request=legal_request, actor=analyst, purpose=" ")


def test_rotate_keys_command_adds_a_development_key_and_rotates_to_it(
    settings, tmp_path, in_review_factory, officer_a, analyst, reviewer, platform_data, capsys
):
    settings.LAWREQ_ENCRYPTION_KEYS = ""  # the embedded default: development keys in LAWREQ_KEYS_DIR
    legal_request = in_review_factory(officer_a)
    snapshot = approve(legal_request, analyst, reviewer)
    before = approved_decision(legal_request=legal_request, actor=None, purpose="test")

    call_command("rotate_keys", "--generate-key", "--no-progress")

    out = capsys.readouterr().out
    assert "Added development key 'dev2'" in out and "to key 'dev2'" in out
    entries = SnapshotTarget.objects.filter(snapshot=snapshot)
    assert {envelope_key_id(entry.ip_events) for entry in entries} == {"dev2"}
    assert approved_decision(legal_request=legal_request, actor=None, purpose="test") == before
