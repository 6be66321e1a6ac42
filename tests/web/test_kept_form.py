"""A form sent after the session timed out keeps what was typed across the log-in, for the same
person only, sealed while it waits, and never for a post that failed the CSRF check."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from requests_app.models import LegalRequest
from tests.conftest import PASSWORD
from tests.web.test_portal import NEW, form_data
from web.views.kept_form import KEPT_FORM_KEY

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TYPED = "username:@kept.after.timeout"


def log_in(client: Client, user) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def three_hours_later():
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=3))


def post_after_timeout(client: Client, officer) -> object:
    log_in(client, officer)
    with three_hours_later():
        return client.post(NEW, form_data(targets=TYPED, case_number="KEPT-77", idempotency_key="kept-1"))


def test_what_was_typed_comes_back_after_logging_in_again(officer_a):
    client = Client()

    response = post_after_timeout(client, officer_a)

    assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=/portal/new/")
    assert not LegalRequest.objects.exists()
    with three_hours_later():
        log_in(client, officer_a)
        page = client.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert TYPED in html and 'value="KEPT-77"' in html and 'value="kept-1"' in html
    assert "What you typed is below, not saved yet" in html
    # once: a second visit shows a fresh form
    with three_hours_later():
        assert "KEPT-77" not in client.get(NEW).content.decode()


def test_the_kept_form_is_sealed_while_it_waits(officer_a):
    client = Client()

    post_after_timeout(client, officer_a)

    kept = client.session[KEPT_FORM_KEY]
    assert "kept.after.timeout" not in str(kept) and "KEPT-77" not in str(kept)


def test_someone_else_logging_in_on_the_same_browser_does_not_get_it(officer_a, agency_a):
    from tests.conftest import _officer

    colleague = _officer("carol.officer", email="carol@springfield-pd.gov", agency=agency_a)
    client = Client()
    post_after_timeout(client, officer_a)

    with three_hours_later():
        log_in(client, colleague)
        html = client.get(NEW).content.decode()
    assert "KEPT-77" not in html and TYPED not in html


def test_a_post_that_fails_the_csrf_check_is_not_kept(officer_a):
    client = Client(enforce_csrf_checks=True)
    log_in_page = client.get(LOGIN)
    token = log_in_page.cookies["csrftoken"].value
    client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD, "csrfmiddlewaretoken": token})

    with three_hours_later():
        response = client.post(NEW, form_data(case_number="FORGED-1", csrfmiddlewaretoken="forged" * 6))

    assert response.status_code == 403
    assert KEPT_FORM_KEY not in client.session


def test_a_post_from_someone_never_logged_in_is_not_kept(client):
    response = client.post(NEW, form_data(case_number="ANON-1"))

    assert response.status_code == 302
    assert KEPT_FORM_KEY not in client.session
