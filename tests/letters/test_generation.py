"""From approval to an issued letter: the task, its idempotency, failures, and what the letter holds."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import os
import re

import pytest

from audit.actions import AuditAction
from letters import services
from letters.exports import IP_EVENTS_CSV
from letters.models import Response, ResponseStatus
from letters.services import ERR_BUSY, NOTE_WAITING_FOR_TSA, ResponseBusy, ResponseNotDue
from letters.verification import pdf_signature_check
from requests_app.choices import Outcome
from requests_app.states import State
from tests.letters.conftest import EVENT_OUTSIDE_PERIOD, OCTOBER_EVENTS, attachments, pdf_text
from vault.crypto import unseal
from workflow import services as workflow_services
from workflow.services import do_issue_response, do_withdraw
from workflow.tasks import issue_response

pytestmark = pytest.mark.django_db


def stored_pdf(response: Response) -> bytes:
    return unseal(bytes(response.pdf_sealed), context=response.seal_context())


def test_approval_enqueues_the_task_that_issues_a_signed_letter(decided_factory, officer_a, account, audit_trail):
    # when: the reviewer approves, and the task enqueued on commit runs
    legal_request = decided_factory(officer_a, run_task=True)

    # then
    response = Response.objects.get(legal_request=legal_request)
    pdf = stored_pdf(response)
    assert response.status == ResponseStatus.STORED and response.kind == "disclosure"
    assert response.sha256 == hashlib.sha256(pdf).hexdigest()
    assert pdf_signature_check(pdf).ok
    assert legal_request.state == State.RESPONDED and legal_request.outcome == Outcome.DISCLOSED
    issued = audit_trail.assert_recorded(
        AuditAction.RESPONSE_ISSUED, request_ref=legal_request.ref, sha256=response.sha256, kind="disclosure"
    )
    transition = audit_trail.assert_recorded(
        AuditAction.REQUEST_TRANSITIONED,
        request_ref=legal_request.ref,
        to="responded",
        sha256=response.sha256,
        outcome="disclosed",
    )
    assert issued.id < transition.id
    audit_trail.assert_recorded(AuditAction.SNAPSHOT_READ, request_ref=legal_request.ref, purpose="letter rendering")


def test_the_pdf_is_sealed_at_rest(issued_response, issued_pdf):
    sealed = bytes(issued_response.pdf_sealed)

    assert issued_pdf.startswith(b"%PDF") and not sealed.startswith(b"%PDF")
    assert b"198.51.100.23" not in sealed and b"acc-1" not in sealed


def test_the_letter_holds_exactly_the_approved_records(issued_response, issued_pdf, approved_request):
    text = pdf_text(issued_pdf)

    for _, ip, _ in OCTOBER_EVENTS:
        assert ip in text
    assert EVENT_OUTSIDE_PERIOD[1] not in text  # the account has it, the approved period does not
    assert "+12025550199" in text and "acc-1" in text
    assert approved_request.ref in text and approved_request.case_number in text
    for document in approved_request.documents.all():
        assert document.sha256 in text
    rows = list(csv.DictReader(io.StringIO(attachments(issued_pdf)[IP_EVENTS_CSV].decode())))
    targets = list(approved_request.targets.order_by("id"))  # '@someone' and his phone number: one account
    for number, _target in enumerate(targets, start=1):  # numbered as the letter numbers them, not by id
        listed = [(row["ip"], row["port"]) for row in rows if row["target"] == str(number)]
        assert listed == [(ip, "" if port is None else str(port)) for _, ip, port in OCTOBER_EVENTS]
    assert len(rows) == len(targets) * len(OCTOBER_EVENTS)


def test_running_the_task_twice_issues_one_response(approved_request, audit_trail):
    first = issue_response.delay(approved_request.pk).get()
    second = issue_response.delay(approved_request.pk).get()

    assert first == second == Response.objects.get().sha256
    assert Response.objects.count() == 1
    assert len(audit_trail.entries(AuditAction.RESPONSE_ISSUED)) == 1
    assert Response.objects.get().attempts == 1


def test_a_crash_between_rendering_and_storing_then_a_rerun_issues_one_response(
    approved_request, monkeypatch, audit_trail
):
    # given: the worker dies after signing, before storing
    real_store = workflow_services.response_store

    def crash(**kwargs):
        raise SystemExit("worker lost")

    monkeypatch.setattr(workflow_services, "response_store", crash)
    with pytest.raises(SystemExit):
        do_issue_response(legal_request_id=approved_request.pk, claim_token="job-1")
    claimed = Response.objects.get()
    assert claimed.status == ResponseStatus.CLAIMED and not claimed.sha256
    approved_request.refresh_from_db()
    assert approved_request.state == State.APPROVED

    # when: the broker redelivers the same job (acks_late)
    monkeypatch.setattr(workflow_services, "response_store", real_store)
    response = do_issue_response(legal_request_id=approved_request.pk, claim_token="job-1")

    # then
    assert Response.objects.count() == 1 and response.status == ResponseStatus.STORED
    assert response.attempts == 2
    assert len(audit_trail.entries(AuditAction.RESPONSE_ISSUED)) == 1
    approved_request.refresh_from_db()
    assert approved_request.state == State.RESPONDED


def test_another_job_waits_for_a_fresh_claim_and_takes_over_a_stale_one(approved_request, settings, monkeypatch):
    monkeypatch.setattr(workflow_services, "response_store", lambda **kwargs: (_ for _ in ()).throw(SystemExit()))
    with pytest.raises(SystemExit):
        do_issue_response(legal_request_id=approved_request.pk, claim_token="job-1")
    monkeypatch.undo()

    with pytest.raises(ResponseBusy, match=ERR_BUSY):
        do_issue_response(legal_request_id=approved_request.pk, claim_token="job-2")

    settings.LAWREQ_RESPONSE_CLAIM_LEASE_SECONDS = 0
    response = do_issue_response(legal_request_id=approved_request.pk, claim_token="job-2")
    assert response.status == ResponseStatus.STORED and response.claim_token == "job-2"


def test_a_missing_signing_key_is_a_visible_failure_and_a_rerun_after_the_fix_succeeds(
    approved_request, settings, tmp_path, audit_trail
):
    # given
    configured = settings.LAWREQ_SIGNING_P12
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "missing.p12")

    # when
    assert issue_response.delay(approved_request.pk).get() is None

    # then
    failed = Response.objects.get()
    assert failed.status == ResponseStatus.FAILED and "No signing key" in failed.error
    audit_trail.assert_recorded(AuditAction.RESPONSE_FAILED, request_ref=approved_request.ref)
    approved_request.refresh_from_db()
    assert approved_request.state == State.APPROVED

    settings.LAWREQ_SIGNING_P12 = configured
    assert issue_response.delay(approved_request.pk).get() == Response.objects.get().sha256
    assert Response.objects.get().status == ResponseStatus.STORED


def test_an_unexpected_error_is_a_visible_failure_that_quotes_no_record(approved_request, monkeypatch, audit_trail):
    def bug(content):
        raise KeyError("198.51.100.23")

    monkeypatch.setattr(services, "letter_render", bug)

    assert issue_response.delay(approved_request.pk).get() is None

    response = Response.objects.get()
    assert response.status == ResponseStatus.FAILED and response.error.startswith("KeyError: unexpected error")
    entry = audit_trail.assert_recorded(AuditAction.RESPONSE_FAILED, request_ref=approved_request.ref)
    assert "198.51.100.23" not in response.error and "198.51.100.23" not in str(entry.details)


def test_run_eagerly_an_unreachable_timestamp_authority_is_a_visible_failure(approved_request, settings):
    settings.LAWREQ_TIMESTAMP_URL = "http://127.0.0.1:9/"  # the discard port: nothing listens

    assert issue_response.delay(approved_request.pk).get() is None

    response = Response.objects.get()
    # the policy (wait, the default) keeps it for the sweep, and says why
    assert response.status == ResponseStatus.FAILED and response.error.startswith("TimestampUnavailable")
    assert response.note == NOTE_WAITING_FOR_TSA
    approved_request.refresh_from_db()
    assert approved_request.state == State.APPROVED


def test_an_operator_generates_a_failed_letter_again_from_the_admin(
    approved_request, settings, tmp_path, admin_client, django_capture_on_commit_callbacks
):
    configured = settings.LAWREQ_SIGNING_P12
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "missing.p12")
    issue_response.delay(approved_request.pk).get()
    failed = Response.objects.get()
    settings.LAWREQ_SIGNING_P12 = configured

    with django_capture_on_commit_callbacks(execute=True):
        reply = admin_client.post(
            "/admin/letters/response/", {"action": "generate_again", "_selected_action": [failed.pk]}
        )

    assert reply.status_code == 302
    assert Response.objects.get().status == ResponseStatus.STORED


def test_a_request_withdrawn_before_the_letter_gets_none(approved_request, officer_a):
    do_withdraw(legal_request=approved_request, actor=officer_a, reason="Case closed.")

    with pytest.raises(ResponseNotDue):
        do_issue_response(legal_request_id=approved_request.pk)
    assert issue_response.delay(approved_request.pk).get() is None
    assert not Response.objects.exists()


def test_a_rejected_request_gets_a_signed_rejection_letter(decided_factory, officer_a, account, audit_trail):
    legal_request = decided_factory(officer_a, decision="reject", run_task=True)

    response = Response.objects.get(legal_request=legal_request)
    pdf = stored_pdf(response)
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    assert response.kind == "rejection" and pdf_signature_check(pdf).ok
    assert "request rejected" in text
    assert "The subpoena does not name the offence under investigation." in text
    assert "198.51.100.23" not in text and "acc-1" not in text
    legal_request.refresh_from_db()
    assert legal_request.state == State.REJECTED and legal_request.responded_at is not None
    audit_trail.assert_recorded(AuditAction.RESPONSE_ISSUED, request_ref=legal_request.ref, kind="rejection")


def test_a_disclosure_where_no_target_has_an_account_gets_a_no_records_letter(decided_factory, officer_a):
    legal_request = decided_factory(officer_a, categories=("ip_addresses",), run_task=True)

    response = Response.objects.get(legal_request=legal_request)
    text = re.sub(r"\s+", " ", pdf_text(stored_pdf(response)))
    assert response.kind == "no_records"
    assert "No records were found." in text and "No account found" in text
    legal_request.refresh_from_db()
    assert legal_request.outcome == Outcome.NO_RECORDS


def test_a_ten_thousand_event_disclosure_is_issued_in_full(settings, decided_factory, officer_a, make_account):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 10_000  # printed (above it, see test_summarised_letters)
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    events = [
        ((start + dt.timedelta(seconds=240 * i)).strftime("%Y-%m-%d %H:%M:%S"), f"198.51.100.{i % 250}", 1024 + i)
        for i in range(10_000)
    ]
    make_account("acc-1", username="someone", phone="+12025550199", events=events)

    legal_request = decided_factory(
        officer_a, categories=("ip_addresses",), run_task=True, targets=[{"type": "username", "value": "@someone"}]
    )

    pdf = stored_pdf(Response.objects.get(legal_request=legal_request))
    rows = re.findall(
        r"^\s*(\d+)\s+2026-10-\d\d \d\d:\d\d:\d\d\s+198\.51\.100\.\d+\s+(\d+)", pdf_text(pdf), flags=re.MULTILINE
    )
    assert [int(port) for _, port in rows] == [1024 + i for i in range(10_000)]
    assert pdf_signature_check(pdf).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_workers_issue_one_response(decided_factory, officer_a, account):
    import threading

    from django.db import connection

    legal_request = decided_factory(officer_a)
    outcomes: list[str] = []

    def work(token: str) -> None:
        try:
            outcomes.append(do_issue_response(legal_request_id=legal_request.pk, claim_token=token).sha256)
        except ResponseBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"job-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Response.objects.filter(legal_request=legal_request).count() == 1
    stored = Response.objects.get(legal_request=legal_request).sha256
    assert stored in outcomes and set(outcomes) <= {stored, "busy"}


def test_a_rejection_letter_quotes_the_failing_rules_as_they_were_when_it_was_decided(
    decided_factory, officer_a, account
):
    from rules.models import CheckRun
    from rules.selectors import latest_check_run, officer_failures

    # given: a rejection, decided on checks that refuse message content
    legal_request = decided_factory(officer_a, decision="reject", request_categories=["content", "ip_addresses"])
    decided_on = latest_check_run(legal_request)
    failing = officer_failures(decided_on)
    assert failing, "the shipped rules refuse message content"
    # and checks that ran again after the decision and say something else
    later = {**failing[0]._asdict(), "rule": "later.rule", "message": "A later check that nobody decided on."}
    CheckRun.objects.create(
        legal_request=legal_request,
        results=[later],
        recommendation=decided_on.recommendation,
        response_deadline=decided_on.response_deadline,
    )

    # when: the letter is made
    response = do_issue_response(legal_request_id=legal_request.pk)

    # then: it quotes what the decision was made on
    text = re.sub(r"\s+", " ", pdf_text(stored_pdf(response)))
    for result in failing:
        assert re.sub(r"\s+", " ", result.message) in text
        if result.citation:
            assert re.sub(r"\s+", " ", result.citation) in text
    assert "A later check" not in text


def test_key_rotation_reseals_stored_letters_which_still_open(issued_response, issued_pdf, settings):
    from vault.crypto import envelope_key_id
    from vault.services import keys_rotate

    assert envelope_key_id(bytes(issued_response.pdf_sealed)) == "k1"
    settings.LAWREQ_ENCRYPTION_KEYS += f",k2:{base64.b64encode(os.urandom(32)).decode()}"

    result = keys_rotate()

    issued_response.refresh_from_db()
    assert result.resealed["letters.response.pdf_sealed"] == 1
    assert envelope_key_id(bytes(issued_response.pdf_sealed)) == "k2"
    assert stored_pdf(issued_response) == issued_pdf
