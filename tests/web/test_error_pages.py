"""Error pages in the site's style, each with a way back; the API keeps its JSON errors."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from lawreq.views import TITLE_CSRF, TITLE_LOGGED_OUT, TITLE_NOT_FOUND, TITLE_TOO_LARGE, bad_request, server_error
from tests.conftest import PASSWORD, draft_create

pytestmark = pytest.mark.django_db


def assert_styled(response, title) -> str:
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<header class="topbar">' in page and "css/lawreq.css" in page  # the site's frame
    assert f'<h1 id="error-heading">{title}</h1>' in page
    assert 'id="way-back"' in page
    return page


def test_a_missing_page_is_a_styled_404(client_for, officer_a):
    response = client_for(officer_a).get("/no/such/page/")

    assert response.status_code == 404
    assert_styled(response, TITLE_NOT_FOUND)


def test_an_api_404_stays_json(client_for, officer_a):
    response = client_for(officer_a).get("/api/v1/no/such/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_page_for_another_role_is_a_styled_403_that_says_why(client_for, officer_a):
    response = client_for(officer_a).get("/queue/")

    assert response.status_code == 403
    page = assert_styled(response, "This page is not for you")
    assert "This page is for the legal team" in page


def test_an_upload_over_the_limit_is_a_styled_413_that_states_the_limit(client_for, officer_a, settings):
    legal_request = draft_create(officer_a, with_document=False)
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 1024 * 1024
    referer = f"http://testserver/portal/{legal_request.ref}/"

    response = client_for(officer_a).post(
        f"/portal/{legal_request.ref}/documents/",
        data=b"x" * (2 * 1024 * 1024),
        content_type="multipart/form-data; boundary=xyz",
        HTTP_REFERER=referer,
    )

    assert response.status_code == 413
    page = assert_styled(response, TITLE_TOO_LARGE)
    assert "at most 1 MB" in page
    assert f'href="{referer}" id="way-back"' in page
    assert not legal_request.documents.exists()


def test_an_api_upload_over_the_limit_stays_json(api, officer_a, settings):
    legal_request = draft_create(officer_a, with_document=False)
    settings.LAWREQ_MAX_DOCUMENT_BYTES = 1024 * 1024

    response = api(officer_a).generic(
        "POST",
        f"/api/v1/requests/{legal_request.ref}/documents/",
        b"x" * (2 * 1024 * 1024),
        content_type="multipart/form-data; boundary=xyz",
    )

    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_a_way_back_never_leads_to_another_site(client_for, officer_a):
    response = client_for(officer_a).get("/no/such/page/", HTTP_REFERER="https://evil.example/phish")

    assert 'href="/" id="way-back"' in response.content.decode()


def test_a_stale_form_is_a_styled_csrf_page(officer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)

    response = client.post("/portal/new/", {"csrfmiddlewaretoken": "stale" * 8})

    assert response.status_code == 403
    page = assert_styled(response, TITLE_CSRF)
    assert "reload the page" in page


def test_a_form_refused_after_the_session_timed_out_says_you_were_logged_out(officer_a):
    logged_in = Client()
    logged_in.post("/accounts/login/", {"username": officer_a.username, "password": PASSWORD})
    client = Client(enforce_csrf_checks=True)
    client.cookies = logged_in.cookies
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=3)):
        response = client.post("/portal/new/", {"csrfmiddlewaretoken": "stale" * 8})

    page = assert_styled(response, TITLE_LOGGED_OUT)
    assert response.status_code == 403
    assert 'href="/accounts/login/?next=%2Fportal%2Fnew%2F" id="log-in-again"' in page


def test_a_form_sent_without_any_session_says_you_were_logged_out():
    response = Client(enforce_csrf_checks=True).post("/portal/new/", {"csrfmiddlewaretoken": "stale" * 8})

    assert_styled(response, TITLE_LOGGED_OUT)


def test_a_stale_log_in_form_is_not_called_a_log_out():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"csrfmiddlewaretoken": "stale" * 8})

    page = assert_styled(response, TITLE_CSRF)
    assert "log-in-again" not in page


def test_an_api_csrf_refusal_stays_json(officer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)

    response = client.post("/api/v1/requests/", {}, content_type="application/json")

    assert response.status_code == 403
    assert "detail" in response.json()


def test_the_400_and_500_pages_are_styled_and_the_500_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/portal/")

    assert bad_request(request).status_code == 400
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert '<header class="topbar">' in page and 'id="way-back"' in page


def test_the_api_500_stays_json():
    response = server_error(RequestFactory().get("/api/v1/requests/"))

    assert response.status_code == 500 and response["Content-Type"] == "application/json"


def test_a_request_for_an_unknown_host_gets_the_400_page(client, settings):
    settings.ALLOWED_HOSTS = ["lawreq.example"]

    response = client.get("/portal/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert 'href="/" id="way-back"' in response.content.decode()
