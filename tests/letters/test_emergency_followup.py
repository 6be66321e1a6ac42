"""Emergency follow-through: after an emergency disclosure the agency is asked for the follow-up
legal process (or the validation the law requires) within the window its rules set; the analyst marks
it received; a beat task escalates, once, when it does not come; the transparency report counts the
emergency disclosures never followed up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from audit.actions import AuditAction
from casework.models import Message, MessageKind
from disclosure.models import Decision
from lawreq.errors import Conflict
from notifications.models import Event, Notification
from reports.selectors import transparency_report
from requests_app.models import FollowUpState
from requests_app.states import State
from tests.conftest import api_client, in_review_create, pdf_file
from workflow import tasks
from workflow.services import do_callback_record, do_decide, do_followup_received, do_propose

RESPONDED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
EMERGENCY = {
    "process_type": "emergency_disclosure",
    "emergency": True,
    "emergency_justification": "Kidnapping in progress: the victim's life is at risk.",
}


def emergency_disclosed(officer, analyst, reviewer, **overrides):
    """An emergency request verified by a call-back, disclosed and answered at ``RESPONDED``."""
    with time_machine.travel(RESPONDED, tick=False):
        legal_request = in_review_create(officer, **{**EMERGENCY, **overrides})
        do_callback_record(legal_request=legal_request, actor=analyst, spoke_to="Sgt. Miller", outcome="confirmed")
        do_propose(
            legal_request=legal_request,
            actor=analyst,
            decision=Decision.DISCLOSE,
            categories=["ip_addresses"],
            date_from=dt.date(2026, 10, 1),
            date_to=dt.date(2026, 11, 1),
            reason="Life at risk.",
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            do_decide(legal_request=legal_request, actor=reviewer, approve=True)
    legal_request.refresh_from_db()
    assert legal_request.state == State.RESPONDED, legal_request.state
    return legal_request


def followup_question(legal_request, officer) -> str:
    messages = api_client(officer).get(f"/api/v1/requests/{legal_request.ref}/messages/").json()
    return next(m["body"] for m in reversed(messages) if "answered as an emergency" in m["body"])


@pytest.fixture
def disclosed(shipped_rules, account, officer_a, analyst, reviewer):
    return emergency_disclosed(officer_a, analyst, reviewer)


def test_the_agency_is_asked_for_the_follow_up_within_the_rule_sets_window(audit_trail, disclosed, officer_a):
    # US: the platform's rule set gives 168 hours (a rule set parameter, followup_hours)
    assert disclosed.followup_state == FollowUpState.AWAITING
    assert disclosed.followup_due_at == RESPONDED + dt.timedelta(hours=168)
    question = Message.objects.filter(legal_request=disclosed, kind=MessageKind.QUESTION).last()
    assert question is not None
    assert Notification.objects.filter(
        recipient=officer_a, event=Event.FOLLOWUP_REQUESTED, legal_request=disclosed
    ).exists()
    audit_trail.assert_recorded(AuditAction.FOLLOWUP_REQUESTED, request_ref=disclosed.ref, jurisdiction="US")
    body = followup_question(disclosed, officer_a)
    assert "the legal process that covers the disclosure (subpoena, court order or search warrant)" in body
    assert "European" not in body and "Regulation" not in body
    assert api_client(officer_a).get(f"/api/v1/requests/{disclosed.ref}/").json()["followup"]["state"] == "awaiting"


def test_the_eu_window_is_the_48_hours_of_article_4_5(shipped_rules, officer_b, analyst, reviewer):
    from requests_app.models import Agency
    from subscribers.models import Account
    from tests.subscribers.conftest import make_account_row

    Agency.objects.filter(pk=officer_b.officer.agency_id).update(callback_phone="+33140000000")
    if not Account.objects.filter(account_id="acc-fr").exists():
        make_account_row(
            "acc-fr", username="quelquun", phone="+33612345678", events=[("2026-10-05 10:00:00", "192.0.2.9", 1)]
        )

    # asked for IP addresses only, all given: a full answer (a narrowed one would need Annex III grounds)
    legal_request = emergency_disclosed(
        officer_b,
        analyst,
        reviewer,
        process_type="production_order",
        categories=["ip_addresses"],
        certificate_reference="EPOC-FR-2026-0118",
        ip_purpose="identification",
    )

    assert legal_request.followup_due_at == RESPONDED + dt.timedelta(hours=48)
    body = followup_question(legal_request, officer_b)
    assert "validation of the European Production Order" in body and "Article 4(5)" in body
    assert "subpoena" not in body


def test_the_officer_attaches_the_follow_up_and_the_analyst_marks_it_received(
    disclosed, officer_a, analyst, audit_trail
):
    with time_machine.travel(RESPONDED + dt.timedelta(hours=30), tick=False):
        uploaded = api_client(officer_a).post(
            f"/api/v1/requests/{disclosed.ref}/documents/", {"file": pdf_file("subpoena.pdf")}, format="multipart"
        )
        assert uploaded.status_code == 201, uploaded.content
        marked = api_client(analyst).post(
            f"/api/v1/requests/{disclosed.ref}/followup/received/", {"document": uploaded.json()["id"]}, format="json"
        )

    assert marked.status_code == 200
    disclosed.refresh_from_db()
    assert disclosed.followup_state == FollowUpState.RECEIVED
    assert disclosed.followup_document_id == uploaded.json()["id"]
    audit_trail.assert_recorded(AuditAction.FOLLOWUP_RECEIVED, actor=analyst, late=False)
    with pytest.raises(Conflict):
        do_followup_received(legal_request=disclosed, actor=analyst, document_id=None)


def test_the_officer_cannot_mark_the_follow_up_received(disclosed, officer_a):
    response = api_client(officer_a).post(f"/api/v1/requests/{disclosed.ref}/followup/received/", {}, format="json")
    assert response.status_code == 404


def test_a_follow_up_not_in_time_is_escalated_to_the_reviewers_once(disclosed, reviewer, second_reviewer, audit_trail):
    # before the window closes: nothing
    with time_machine.travel(RESPONDED + dt.timedelta(hours=167), tick=False):
        assert tasks.followups_escalate.delay().get() == []
    # after: escalated once, however often the beat task runs
    with time_machine.travel(RESPONDED + dt.timedelta(hours=169), tick=False):
        first = tasks.followups_escalate.delay().get()
        second = tasks.followups_escalate.delay().get()

    assert first == [disclosed.ref] and second == []
    disclosed.refresh_from_db()
    assert disclosed.followup_state == FollowUpState.OVERDUE
    told = Notification.objects.filter(event=Event.FOLLOWUP_OVERDUE, legal_request=disclosed)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([reviewer.pk, second_reviewer.pk])
    assert len(audit_trail.entries(AuditAction.FOLLOWUP_OVERDUE, request_ref=disclosed.ref)) == 1


def test_a_received_follow_up_is_never_escalated(disclosed, analyst):
    with time_machine.travel(RESPONDED + dt.timedelta(hours=10), tick=False):
        do_followup_received(legal_request=disclosed, actor=analyst, document_id=None)
    with time_machine.travel(RESPONDED + dt.timedelta(days=30), tick=False):
        assert tasks.followups_escalate.delay().get() == []
    assert not Notification.objects.filter(event=Event.FOLLOWUP_OVERDUE).exists()


def test_the_transparency_report_counts_the_emergencies_never_followed_up(
    shipped_rules, account, officer_a, analyst, reviewer
):
    never = emergency_disclosed(officer_a, analyst, reviewer)
    followed = emergency_disclosed(officer_a, analyst, reviewer)
    with time_machine.travel(RESPONDED + dt.timedelta(hours=5), tick=False):
        do_followup_received(legal_request=followed, actor=analyst, document_id=None)

    with time_machine.travel(RESPONDED + dt.timedelta(days=3), tick=False):
        within_window = transparency_report(year=2026, half=2).totals.emergency_not_followed_up
    with time_machine.travel(RESPONDED + dt.timedelta(days=8), tick=False):
        report = transparency_report(year=2026, half=2)

    assert within_window == 0
    assert report.totals.emergency_not_followed_up == 1
    assert report.as_dict()["jurisdictions"][0]["emergency_not_followed_up"] == 1
    assert never.followup_state == FollowUpState.AWAITING


def test_the_officers_page_asks_for_the_follow_up_and_takes_the_upload(disclosed, officer_a, client):
    from django.urls import reverse

    client.force_login(officer_a)
    page = client.get(reverse("web:portal-detail", kwargs={"ref": disclosed.ref})).content.decode()

    assert 'id="followup-owed"' in page and 'id="upload-form"' in page
    assert "Sgt. Miller" not in page and "registry number" not in page


def test_the_officer_is_asked_for_the_follow_up_in_their_language(disclosed, officer_a, client, settings):
    from django.urls import reverse

    client.force_login(officer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    page = client.get(reverse("web:portal-detail", kwargs={"ref": disclosed.ref})).content.decode()

    owed = page[page.index('id="followup-owed"') : page.index("</p>", page.index('id="followup-owed"'))]
    assert "das nachfolgende rechtliche Verfahren" in owed and "Laden Sie es hier als PDF hoch" in owed
    assert "follow-up" not in owed


def test_notice_to_the_user_is_withheld_after_an_emergency_disclosure_for_the_set_period(
    audit_trail, disclosed, officer_a
):
    from notifications.tasks import user_notices_send_task
    from notifications.user_notice import REASON_EMERGENCY

    until = RESPONDED + dt.timedelta(days=90)
    assert disclosed.user_notice_status == "withheld"
    assert disclosed.user_notice_due_at == until
    assert disclosed.user_notice_reason == REASON_EMERGENCY.format(until=f"{until:%Y-%m-%d}", days=90)
    audit_trail.assert_recorded(AuditAction.USER_NOTICE_SCHEDULED, request_ref=disclosed.ref, withheld_by="emergency")
    assert api_client(officer_a).get(f"/api/v1/requests/{disclosed.ref}/").json()["user_notice"]["status"] == "withheld"
    with time_machine.travel(until - dt.timedelta(minutes=1), tick=False):
        assert user_notices_send_task() == 0
    with time_machine.travel(until + dt.timedelta(minutes=1), tick=False):
        assert user_notices_send_task() == 1


def test_without_the_emergency_delay_notice_is_due_at_once(
    shipped_rules, account, officer_a, analyst, reviewer, settings
):
    settings.LAWREQ_EMERGENCY_NOTICE_DELAY_DAYS = 0

    legal_request = emergency_disclosed(officer_a, analyst, reviewer)

    assert legal_request.user_notice_status == "pending" and legal_request.user_notice_due_at == RESPONDED


def test_an_emergency_disclosure_filed_without_the_flag_is_followed_up(
    shipped_rules, account, officer_a, analyst, reviewer
):
    legal_request = emergency_disclosed(officer_a, analyst, reviewer, emergency=False)

    assert legal_request.emergency is True
    assert legal_request.followup_state == FollowUpState.AWAITING
    assert legal_request.user_notice_status == "withheld"
