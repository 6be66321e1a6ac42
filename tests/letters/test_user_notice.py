"""User notice after a disclosure: given once, withheld by an order until it lapses (then queued by
the beat task exactly once), withheld by the rules with their citation; the officer sees the status,
never the legal team's reason."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from notifications.tasks import user_notices_send_task
from notifications.user_notice import REASON_ORDER
from requests_app.models import LegalRequest
from workflow.services import do_issue_response

pytestmark = pytest.mark.django_db

EMAIL_NOTIFIER = "notifications.user_notice.EmailNotifier"


def _issued(decided_factory, officer, **overrides) -> LegalRequest:
    legal_request = decided_factory(officer, **overrides)
    do_issue_response(legal_request_id=legal_request.pk)
    return LegalRequest.objects.get(pk=legal_request.pk)


def test_notice_is_given_once_after_a_disclosure(decided_factory, officer_a, account, settings):
    settings.LAWREQ_USER_NOTIFIER = EMAIL_NOTIFIER
    account.email = "someone@mail.example"
    account.save()
    legal_request = _issued(decided_factory, officer_a)
    assert legal_request.user_notice_status == "pending"
    assert user_notices_send_task() == 1
    assert user_notices_send_task() == 0  # the beat runs again: nothing more
    legal_request.refresh_from_db()
    assert legal_request.user_notice_status == "sent" and legal_request.user_notice_sent_at is not None
    assert [m.to for m in mail.outbox] == [["someone@mail.example"]]
    assert legal_request.ref in mail.outbox[0].body
    assert AuditEntry.objects.filter(action=AuditAction.USER_NOTICE_SENT, request_ref=legal_request.ref).count() == 1


def test_notice_is_queued_when_the_order_lapses_exactly_once(decided_factory, officer_a, account, settings):
    settings.LAWREQ_USER_NOTIFIER = EMAIL_NOTIFIER
    account.email = "someone@mail.example"
    account.save()
    until = dt.date.today() + dt.timedelta(days=200)
    legal_request = _issued(decided_factory, officer_a, nondisclosure_until=until.isoformat())
    # given a notice withheld by the order
    assert legal_request.user_notice_status == "withheld"
    assert legal_request.user_notice_reason == REASON_ORDER.format(until=until.isoformat())
    assert legal_request.user_notice_due_at == dt.datetime.combine(
        until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
    )
    # while the order runs, the beat task gives nothing
    with time_machine.travel(dt.datetime.combine(until, dt.time(23, 59), tzinfo=dt.UTC), tick=False):
        assert user_notices_send_task() == 0
    assert mail.outbox == []
    # the day after, the beat task (run twice) gives it once
    with time_machine.travel(dt.datetime.combine(until + dt.timedelta(days=1), dt.time(1), tzinfo=dt.UTC)):
        assert user_notices_send_task() == 1
        assert user_notices_send_task() == 0
    legal_request.refresh_from_db()
    assert legal_request.user_notice_status == "sent"
    assert len(mail.outbox) == 1


def test_the_log_notifier_logs_the_reference_and_an_opaque_id_only(decided_factory, officer_a, account, caplog):
    legal_request = _issued(decided_factory, officer_a)
    with caplog.at_level(logging.INFO, logger="notifications.user_notice"):
        assert user_notices_send_task() == 1
    logged = caplog.text
    assert legal_request.ref in logged
    for personal in ("acc-1", "someone", "+12025550199", "2025550199"):
        assert personal not in logged


def test_the_rules_withhold_notice_with_their_citation(decided_factory, officer_a, account):
    # The shipped US rules give notice; a new version saying otherwise withholds it for good.
    from rules.services import rules_export, rules_load

    exported = rules_export(jurisdiction_code="US")
    assert exported.count("given: true") == 1
    rules_load(text=exported.replace("given: true", "given: false"), source="test")
    legal_request = _issued(decided_factory, officer_a)
    assert legal_request.user_notice_status == "withheld"
    assert "us.user_notice" in legal_request.user_notice_reason and "2705(b)" in legal_request.user_notice_reason
    assert legal_request.user_notice_due_at is None
    assert user_notices_send_task() == 0


def test_a_rejection_needs_no_notice(decided_factory, officer_a, account):
    legal_request = _issued(decided_factory, officer_a, decision="reject")
    assert legal_request.user_notice_status == "not_required"


def test_the_officer_sees_the_notice_status_but_not_the_staff_reason(decided_factory, officer_a, analyst, account, api):
    until = dt.date.today() + dt.timedelta(days=100)
    legal_request = _issued(decided_factory, officer_a, nondisclosure_until=until.isoformat())
    officer_view = api(officer_a).get(f"/api/v1/requests/{legal_request.ref}/").json()["user_notice"]
    assert officer_view["status"] == "withheld"
    assert officer_view["due_at"].startswith((until + dt.timedelta(days=1)).isoformat())
    assert "reason" not in officer_view
    staff_view = api(analyst).get(f"/api/v1/requests/{legal_request.ref}/").json()["user_notice"]
    assert staff_view["reason"] == legal_request.user_notice_reason
    # and on the pages
    officer_client, staff_client = Client(), Client()
    officer_client.force_login(officer_a)
    staff_client.force_login(analyst)
    portal = officer_client.get(reverse("web:portal-detail", args=[legal_request.ref])).content.decode()
    assert 'id="user-notice"' in portal and "Withheld" in portal
    assert legal_request.user_notice_reason not in portal
    staff = staff_client.get(reverse("web:staff-detail", args=[legal_request.ref])).content.decode()
    assert legal_request.user_notice_reason in staff


def test_an_order_longer_than_the_rules_allow_is_flagged_by_the_checks(in_review_factory, officer_a, analyst, api):
    too_long = (dt.date.today() + dt.timedelta(days=800)).isoformat()
    legal_request = in_review_factory(officer_a, nondisclosure_until=too_long)
    checks = api(analyst).get(f"/api/v1/requests/{legal_request.ref}/checks/").json()
    finding = next(result for result in checks["results"] if result["rule"] == "us.nondisclosure")
    assert finding["outcome"] == "warn"
    assert "2705(b)" in finding["citation"]


def test_the_officer_reads_the_notice_status_in_their_language(decided_factory, officer_a, account, settings):
    until = dt.date.today() + dt.timedelta(days=100)
    legal_request = _issued(decided_factory, officer_a, nondisclosure_until=until.isoformat())
    client = Client()
    client.force_login(officer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    portal = client.get(reverse("web:portal-detail", args=[legal_request.ref])).content.decode()

    notice = portal[portal.index('id="user-notice"') : portal.index("</dd>", portal.index('id="user-notice"'))]
    assert "Information de l'utilisateur" in portal
    assert "Suspendue" in notice and "échéance le" in notice
    assert "Withheld" not in notice and "due 2" not in notice
