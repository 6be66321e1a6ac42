"""What the UX walk found on the officers' side of registration: the username is said, a pending
officer's empty list says why, and whoever may approve officers is told one awaits approval."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from notifications.models import Event, Notification
from requests_app.models import OfficerStatus
from requests_app.officers import officer_register

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "a long and unusual passphrase 4711"
EMAIL = "Jane.Doe@springfield-pd.gov"


def _register_and_confirm(client: Client):
    registration = officer_register(
        name="Jane Doe", email=EMAIL, badge_number="SPD-4711", password=STRONG_PASSWORD, base_url="http://testserver/"
    )
    token = re.search(r"/confirm/([^/]+)/$", registration.link).group(1)
    response = client.post(f"/accounts/register/confirm/{token}/")
    assert response.status_code == 302
    registration.officer.refresh_from_db()
    return registration.officer, token


def test_registration_says_the_username_is_the_email_address(client, agency_a, django_capture_on_commit_callbacks):
    form = client.get("/accounts/register/").content.decode()
    assert "It is also your username" in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/register/",
            {"name": "Jane Doe", "email": EMAIL, "badge_number": "SPD-4711", "password": STRONG_PASSWORD},
            follow=True,
        )
    assert "with your e-mail address as your username" in response.content.decode()
    assert "Your username is your e-mail address: jane.doe@springfield-pd.gov" in mail.outbox[-1].body
    assert "the e-mail address you registered with" in client.get("/accounts/login/").content.decode()


def test_an_officer_awaiting_approval_is_told_why_no_request_is_listed(client_for, agency_a, officer_a, analyst):
    from tests.conftest import draft_create

    draft_create(officer_a)
    officer, _token = _register_and_confirm(Client())
    assert officer.status == OfficerStatus.AWAITING_APPROVAL

    page = client_for(officer.user).get("/portal/").content.decode()

    assert "Your agency has no request yet." not in page
    assert "shown here once the platform has approved your account" in page


def test_whoever_may_approve_officers_is_told_once_and_finds_the_page(
    client_for, agency_a, analyst, reviewer, auditor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        officer, token = _register_and_confirm(Client())
        Client().post(f"/accounts/register/confirm/{token}/")  # the link used twice: nothing more

    told = Notification.objects.filter(event=Event.OFFICER_AWAITING_APPROVAL, officer=officer)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted([analyst.username, reviewer.username])
    sent = [message for message in mail.outbox if "registration awaits approval" in message.subject]
    assert len(sent) == 2 and all("/officers/pending/" in message.body for message in sent)

    client = client_for(analyst)
    inbox = client.get("/notifications/").content.decode()
    assert "A police officer&#x27;s registration awaits approval" in inbox
    assert "Open the officers awaiting approval" in inbox
    opened = client.post(f"/notifications/{told.get(recipient=analyst).pk}/open/")
    assert opened["Location"] == "/officers/pending/"

    pending = client.get("/officers/pending/").content.decode()
    assert 'href="/officers/pending/"' in pending and "Officers awaiting approval (1)" in pending
    assert "New registration" in pending and ">registration<" not in pending
    assert "/officers/pending/" not in client_for(auditor).get("/audit/").content.decode()


def _submit_button_class(page: str) -> str:
    return re.search(r'id="submit-form">.*?<button type="submit" class="([^"]*)"', page, re.S).group(1)


def test_filing_is_the_first_action_only_when_the_check_says_the_rules_proceed(client_for, officer_a, shipped_rules):
    from tests.conftest import draft_create

    client = client_for(officer_a)
    refused = draft_create(officer_a, terms_violation=False)
    fine = draft_create(officer_a)

    refused_page = client.post(f"/portal/{refused.ref}/precheck/").content.decode()
    fine_page = client.post(f"/portal/{fine.ref}/precheck/").content.decode()

    assert _submit_button_class(refused_page) == "secondary"
    assert _submit_button_class(fine_page) == ""


def test_the_check_page_opened_again_by_its_address_shows_the_check(client_for, officer_a, shipped_rules):
    from tests.conftest import draft_create

    legal_request = draft_create(officer_a)

    response = client_for(officer_a).get(f"/portal/{legal_request.ref}/precheck/")

    assert response.status_code == 200 and 'id="precheck"' in response.content.decode()


def test_the_draft_notice_asks_for_the_document_only_when_there_is_none(client_for, officer_a):
    from tests.conftest import draft_create

    client = client_for(officer_a)
    with_document = client.get(f"/portal/{draft_create(officer_a).ref}/").content.decode()
    without = client.get(f"/portal/{draft_create(officer_a, with_document=False).ref}/").content.decode()

    assert "add the legal document (PDF)" not in with_document and "with its legal document" in with_document
    assert "add the legal document (PDF)" in without


def test_a_user_notice_past_its_due_time_is_not_shown_as_due_later(client_for, officer_a):
    import datetime as dt

    from django.utils import timezone

    from requests_app.models import LegalRequest
    from tests.conftest import draft_create

    legal_request = draft_create(officer_a)
    LegalRequest.objects.filter(pk=legal_request.pk).update(
        outcome="disclosed", user_notice_status="pending", user_notice_due_at=timezone.now() - dt.timedelta(hours=2)
    )

    page = client_for(officer_a).get(f"/portal/{legal_request.ref}/").content.decode()

    notice = re.search(r'id="user-notice">(.*?)</dd>', page, re.S).group(1)
    assert "due since" in notice and "next hourly round" in notice and ", due " not in notice


def _process_options(page: str) -> list[str]:
    select = re.search(r'<select name="process_type".*?</select>', page, re.S).group(0)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_the_process_list_offers_what_the_jurisdictions_rules_recognise(
    client_for, officer_a, officer_b, shipped_rules
):
    us = _process_options(client_for(officer_a).get("/portal/new/").content.decode())
    fr = _process_options(client_for(officer_b).get("/portal/new/").content.decode())

    assert "subpoena" in us and "emergency_disclosure" in us and "production_order" not in us
    assert "production_order" in fr and "court_order" in fr and "subpoena" not in fr


def test_a_process_the_jurisdiction_does_not_recognise_is_refused_in_words(client_for, officer_b, shipped_rules):
    from tests.web.test_portal import form_data

    response = client_for(officer_b).post("/portal/new/", form_data(jurisdiction="FR", process_type="subpoena"))

    assert response.status_code == 400
    # officer_b's agency is French: the refusal is in French
    assert "ne reconnaissent pas cette procédure" in " ".join(response.context["form"].errors["process_type"])
    assert "subpoena" not in _process_options(response.content.decode())


def test_an_emergency_disclosure_request_is_an_emergency_whether_ticked_or_not(client_for, officer_a, shipped_rules):
    from requests_app.models import LegalRequest
    from tests.web.test_portal import form_data

    data = form_data(process_type="emergency_disclosure", emergency_justification="A child is in danger.")
    response = client_for(officer_a).post("/portal/new/", data)

    assert response.status_code == 302, response.content
    assert LegalRequest.objects.get().emergency is True


def test_the_check_says_plainly_when_the_rules_set_no_retention_limit(client_for, officer_a, shipped_rules):
    from tests.conftest import draft_create

    legal_request = draft_create(officer_a)

    page = client_for(officer_a).post(f"/portal/{legal_request.ref}/precheck/").content.decode()

    table = re.search(r'id="precheck-retention".*?</table>', page, re.S).group(0)
    assert "set no retention period for this data" in table and "no limit set by the rules" not in table


def test_the_retention_panel_says_how_long(client_for, analyst, request_a, settings):
    settings.LAWREQ_RETAIN_SNAPSHOTS_DAYS = 400
    settings.LAWREQ_RETAIN_LETTERS_DAYS = 730

    page = client_for(analyst).get(f"/queue/{request_a.ref}/").content.decode()

    periods = re.search(r'id="retention-periods">(.*?)</p>', page, re.S).group(1)
    assert "400 days" in periods and "730 days" in periods and "about 2 years" in periods


def test_a_pdf_sent_with_a_form_that_had_mistakes_is_asked_for_again(client_for, officer_a, pdf_upload):
    from tests.web.test_portal import form_data

    data = form_data(targets="username:@someone\n+33 6 12 34 56 78", file=pdf_upload("warrant-77.pdf"))
    response = client_for(officer_a).post("/portal/new/", data)

    assert response.status_code == 400
    errors = " ".join(response.context["upload_form"].errors["file"])
    assert "“warrant-77.pdf” was not stored" in errors and "choose it again" in errors
