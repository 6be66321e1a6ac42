"""Verified officers: self-registration at a verified agency's domain, a single-use e-mail link,
the platform's approval before the first submission, yearly re-verification, deactivation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.errors import Conflict, InvalidInput
from requests_app.models import LegalRequest, Officer, OfficerStatus
from requests_app.officers import (
    ERR_DOMAIN_NOT_VERIFIED,
    ERR_LINK_EXPIRED,
    ERR_LINK_INVALID,
    ERR_NOT_APPROVED,
    ERR_REVERIFY,
    SIGNING_SALT,
    officer_approve,
    officer_deactivate,
    officer_email_confirm,
    officer_register,
    officer_reverify_start,
    officers_pending,
    officers_reverify_remind,
)
from requests_app.selectors import legal_request_get
from requests_app.services import agency_create
from tests.conftest import PASSWORD, draft_create
from workflow.services import do_submit

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "a long and unusual passphrase 4711"


def _register(email: str = "jane.doe@springfield-pd.gov", **overrides):
    data = {"name": "Jane Doe", "email": email, "badge_number": "SPD-4711", "password": STRONG_PASSWORD}
    return officer_register(**{**data, **overrides})


def _token_of(link: str) -> str:
    return re.search(r"/confirm/([^/]+)/$", link).group(1)


def test_registration_with_a_foreign_domain_is_refused(agency_a):
    with pytest.raises(InvalidInput) as refused:
        _register(email="someone@gmail.com")
    assert refused.value.message == ERR_DOMAIN_NOT_VERIFIED
    assert not Officer.objects.filter(user__email="someone@gmail.com").exists()
    assert AuditEntry.objects.filter(action=AuditAction.OFFICER_REGISTRATION_REFUSED).count() == 1


def test_registration_at_an_unverified_agency_gets_the_same_refusal(db):
    agency_create(name="Shelbyville PD", country="US", email_domains=["shelbyville-pd.gov"], verified=False)
    with pytest.raises(InvalidInput) as refused:
        _register(email="joe@shelbyville-pd.gov")
    # Word for word the message of an unknown domain: the refusal does not reveal the agency exists.
    assert refused.value.message == ERR_DOMAIN_NOT_VERIFIED


def test_registration_applies_the_password_validators(agency_a):
    with pytest.raises(InvalidInput) as refused:
        _register(password="123")
    assert refused.value.field == "password"


def test_registration_sends_a_link_and_leaves_the_account_inactive(agency_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register()
    officer = registration.officer
    assert officer.status == OfficerStatus.EMAIL_UNCONFIRMED
    assert officer.agency == agency_a
    assert not officer.user.is_active
    assert len(mail.outbox) == 1 and registration.link in mail.outbox[0].body
    assert mail.outbox[0].to == ["jane.doe@springfield-pd.gov"]


def test_an_address_with_an_account_gets_the_same_answer_and_nothing_is_created(officer_a):
    registration = _register(email=officer_a.email)
    assert registration.officer is None
    assert Officer.objects.count() == 1


def test_the_confirmation_link_works_once(agency_a):
    token = _token_of(_register().link)
    officer = officer_email_confirm(token=token)
    assert officer.status == OfficerStatus.AWAITING_APPROVAL
    assert officer.user.is_active
    with pytest.raises(InvalidInput) as again:
        officer_email_confirm(token=token)
    assert again.value.message == ERR_LINK_INVALID


def test_the_confirmation_link_expires(agency_a, settings):
    settings.LAWREQ_OFFICER_CONFIRM_HOURS = 48
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        token = _token_of(_register().link)
    with (
        time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False),
        pytest.raises(InvalidInput) as expired,
    ):
        officer_email_confirm(token=token)
    assert expired.value.message == ERR_LINK_EXPIRED
    assert Officer.objects.get().status == OfficerStatus.EMAIL_UNCONFIRMED


def test_a_tampered_link_fails(agency_a):
    registration = _register()
    token = _token_of(registration.link)
    value, _, signature = token.partition(":")
    forged_for_another_officer = signing.TimestampSigner(salt="another salt").sign(
        f"{registration.officer.pk}:{registration.officer.email_link_nonce}"
    )
    for tampered in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged_for_another_officer):
        with pytest.raises(InvalidInput) as refused:
            officer_email_confirm(token=tampered)
        assert refused.value.message == ERR_LINK_INVALID
    # A correctly signed link naming a nonce that is not the officer's is refused too.
    wrong_nonce = signing.TimestampSigner(salt=SIGNING_SALT).sign(f"{registration.officer.pk}:{'0' * 32}")
    with pytest.raises(InvalidInput):
        officer_email_confirm(token=wrong_nonce)
    assert Officer.objects.get().status == OfficerStatus.EMAIL_UNCONFIRMED


def _confirmed_officer():
    registration = _register()
    return officer_email_confirm(token=_token_of(registration.link))


def test_an_unapproved_officer_drafts_but_cannot_submit_then_can_once_approved(agency_a, shipped_rules, reviewer):
    # given a registered, confirmed officer not yet approved
    officer = _confirmed_officer()
    user = officer.user
    draft = draft_create(user)
    # when they submit, then 409 with a clear message, and the draft stays a draft
    with pytest.raises(Conflict) as refused:
        do_submit(legal_request=draft, actor=user)
    assert refused.value.message == ERR_NOT_APPROVED
    assert LegalRequest.objects.get(pk=draft.pk).state == "draft"
    # when the platform approves them, then they can
    assert officers_pending() == [officer]
    officer_approve(officer=officer, actor=reviewer)
    assert do_submit(legal_request=draft, actor=user).state != "draft"
    assert AuditEntry.objects.filter(action=AuditAction.OFFICER_APPROVED, object_id=str(officer.pk)).exists()


def test_an_unapproved_officer_sees_their_own_drafts_not_the_agencys(agency_a, officer_a):
    colleague_request = draft_create(officer_a)
    officer = _confirmed_officer()
    own = draft_create(officer.user)
    assert legal_request_get(user=officer.user, ref=own.ref) == own
    with pytest.raises(Exception):
        legal_request_get(user=officer.user, ref=colleague_request.ref)


def test_the_api_submit_of_an_unapproved_officer_is_409(agency_a, api):
    officer = _confirmed_officer()
    draft = draft_create(officer.user)
    answer = api(officer.user).post(f"/api/v1/requests/{draft.ref}/submit/")
    assert answer.status_code == 409
    assert answer.json()["detail"] == ERR_NOT_APPROVED


def test_an_officer_past_reverification_cannot_submit_until_reverified(
    officer_a, shipped_rules, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.LAWREQ_OFFICER_REVERIFY_DAYS = 365
    officer = officer_a.officer
    draft = draft_create(officer_a)
    later = officer.verified_until + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        with pytest.raises(Conflict) as refused:
            do_submit(legal_request=draft, actor=officer_a)
        assert refused.value.message == ERR_REVERIFY
        # the officer confirms the address again and the platform approves again
        link = officer_reverify_start(officer=officer)
        officer_email_confirm(token=_token_of(link))
        with pytest.raises(Conflict):  # a confirmed address alone is not enough
            do_submit(legal_request=draft, actor=officer_a)
        assert [o.pk for o in officers_pending()] == [officer.pk]
        officer_approve(officer=officer, actor=reviewer)
        assert do_submit(legal_request=draft, actor=officer_a).state != "draft"


def test_the_reverification_reminder_is_sent_once(officer_a, settings, django_capture_on_commit_callbacks):
    settings.LAWREQ_OFFICER_REVERIFY_REMIND_DAYS = 30
    officer = officer_a.officer
    assert officers_reverify_remind() == 0  # a year ahead: nothing yet
    ten_days_before = officer.verified_until - dt.timedelta(days=10)
    with time_machine.travel(ten_days_before, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert officers_reverify_remind() == 1
        assert officers_reverify_remind() == 0  # the beat runs again: nothing more
    assert len(mail.outbox) == 1 and "renew your verification" in mail.outbox[0].subject


def test_deactivation_keeps_the_officers_requests_readable_by_a_colleague(officer_a, agency_a, analyst):
    # given two officers of one agency, and a request of the first granted to nobody but them
    from tests.conftest import _officer

    colleague = _officer("carl.colleague", email="carl@springfield-pd.gov", agency=agency_a)
    legal_request = draft_create(officer_a)
    from requests_app.models import LegalRequestGroupObjectPermission

    LegalRequestGroupObjectPermission.objects.filter(content_object=legal_request).delete()
    # when the first officer is deactivated
    officer_deactivate(officer=officer_a.officer, actor=analyst)
    # then the colleague reads the request, the deactivated officer cannot log in, all audited
    assert legal_request_get(user=colleague, ref=legal_request.ref) == legal_request
    officer_a.refresh_from_db()
    assert not officer_a.is_active
    assert not Client().login(username=officer_a.username, password=PASSWORD)
    entry = AuditEntry.objects.get(action=AuditAction.OFFICER_DEACTIVATED)
    assert entry.details["regranted_to_agency"] == [legal_request.ref]


def test_the_registration_page_refuses_a_foreign_domain_and_accepts_an_official_one(agency_a, client):
    url = reverse("web:register")
    data = {"name": "Jane", "email": "jane@example.com", "badge_number": "1", "password": STRONG_PASSWORD}
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert ERR_DOMAIN_NOT_VERIFIED in refused.content.decode()
    accepted = client.post(url, {**data, "email": "jane@springfield-pd.gov"})
    assert accepted.status_code == 302
    assert Officer.objects.filter(user__email="jane@springfield-pd.gov").exists()


def test_the_registration_page_is_throttled(agency_a, client, settings):
    settings.LAWREQ_LOGIN_MAX_ATTEMPTS = 2
    url = reverse("web:register")
    data = {"name": "Jane", "email": "jane@example.com", "badge_number": "1", "password": STRONG_PASSWORD}
    statuses = [client.post(url, data).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_the_pending_page_approves_an_officer(agency_a, reviewer, officer_a):
    officer = _confirmed_officer()
    client = Client()
    client.force_login(reviewer)
    page = client.get(reverse("web:officers-pending"))
    assert officer.user.email in page.content.decode()
    client.post(reverse("web:officer-decide", args=[officer.pk]), {"decision": "approve"})
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.APPROVED
    # an officer is refused the page
    officer_client = Client()
    officer_client.force_login(officer_a)
    assert officer_client.get(reverse("web:officers-pending")).status_code == 403


def test_the_portal_tells_an_unapproved_officer_and_offers_reverification_when_due(agency_a, officer_a):
    officer = _confirmed_officer()
    client = Client()
    client.force_login(officer.user)
    assert "awaits the platform's approval" in client.get(reverse("web:portal")).content.decode()
    approved = Client()
    approved.force_login(officer_a)
    assert 'id="officer-status"' not in approved.get(reverse("web:portal")).content.decode()
    with time_machine.travel(officer_a.officer.verified_until - dt.timedelta(days=5)):
        approved = Client()
        approved.force_login(officer_a)
        page = approved.get(reverse("web:portal")).content.decode()
        assert "Send me a confirmation link" in page
        assert approved.post(reverse("web:officer-reverify")).status_code == 302


def test_a_registration_for_an_unconfirmed_address_replaces_the_pending_one(
    agency_a, django_capture_on_commit_callbacks
):
    # given an attacker who registered the victim's address with their own password
    squatted = _register(password="the attackers own passphrase 666")
    squatter_token = _token_of(squatted.link)

    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(name="Jane Owner", password=STRONG_PASSWORD)

    assert registration.officer is not None and registration.officer.pk == squatted.officer.pk
    assert Officer.objects.filter(user__email="jane.doe@springfield-pd.gov").count() == 1
    user = Officer.objects.get(pk=squatted.officer.pk).user
    assert user.check_password(STRONG_PASSWORD) and not user.check_password("the attackers own passphrase 666")
    assert user.first_name == "Jane Owner"
    assert len(mail.outbox) == 1 and registration.link in mail.outbox[0].body
    with pytest.raises(InvalidInput, match=re.escape(ERR_LINK_INVALID)):
        officer_email_confirm(token=squatter_token)
    assert officer_email_confirm(token=_token_of(registration.link)).status == OfficerStatus.AWAITING_APPROVAL
    assert AuditEntry.objects.filter(action=AuditAction.OFFICER_REGISTRATION_REPLACED).count() == 1


def test_a_confirmed_account_is_never_replaced_by_a_registration(agency_a):
    officer_email_confirm(token=_token_of(_register().link))

    registration = _register(password="the attackers own passphrase 666")

    assert registration.officer is None and registration.link == ""
    assert Officer.objects.get(user__email="jane.doe@springfield-pd.gov").user.check_password(STRONG_PASSWORD)


def test_registrations_are_limited_per_network_address_apart_from_log_ins(agency_a, client, settings):
    settings.LAWREQ_REGISTRATION_MAX_PER_ADDRESS = 2
    url = reverse("web:register")
    data = {"name": "Jane", "badge_number": "1", "password": STRONG_PASSWORD}

    statuses = [client.post(url, {**data, "email": f"jane{n}@springfield-pd.gov"}).status_code for n in range(3)]

    assert statuses == [302, 302, 429]
    assert not Officer.objects.filter(user__email="jane2@springfield-pd.gov").exists()
    # a log-in from the same address is not refused for it
    assert client.post(reverse("web:login"), {"username": "nobody", "password": "wrong"}).status_code != 429
