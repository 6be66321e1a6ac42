"""Every page of the web UI for every member of the cast: the right role gets the page, another
role 403, an officer of another agency 404, and nobody anonymous gets past the log-in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.errors import NotFound
from requests_app.states import State
from tests.conftest import SHARED_PER_MODULE
from web.views.common import REASON_ROLE

pytestmark = [pytest.mark.django_db, SHARED_PER_MODULE]

CAST = ["officer_a", "officer_b", "analyst", "reviewer", "auditor"]


def _get(client_for, request, who: str, url: str):
    user = request.getfixturevalue(who)
    return client_for(user).get(url)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer_a", "/portal/"),
        ("officer_b", "/portal/"),
        ("analyst", "/queue/"),
        ("reviewer", "/queue/"),
        ("auditor", "/audit/"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client_for, request, who, expected):
    response = _get(client_for, request, who, "/")
    assert response.status_code == 302
    assert response["Location"] == expected


def test_home_sends_an_administrator_to_the_admin(client_for):
    admin = get_user_model().objects.create_superuser("root", "root@platform.example", "x" * 16)
    response = client_for(admin).get("/")
    assert response["Location"] == reverse("admin:index")


def test_home_refuses_a_user_without_a_role(client_for):
    nobody = get_user_model().objects.create_user("nobody", "nobody@example.org", "x" * 16)
    assert client_for(nobody).get("/").status_code == 403


@pytest.mark.parametrize("url_name", ["web:home", "web:queue", "web:portal", "web:portal-create"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url_name", ["web:staff-detail", "web:portal-detail", "web:portal-edit"])
def test_anonymous_visitors_get_no_request_page(client, shared_request_a, url_name):
    response = client.get(reverse(url_name, kwargs={"ref": shared_request_a.ref}))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_a", 403),
        ("officer_b", 403),
        ("analyst", 200),
        ("reviewer", 200),
        ("auditor", 403),
    ],
)
def test_queue_is_for_the_legal_team(client_for, request, who, status):
    assert _get(client_for, request, who, reverse("web:queue")).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_a", 403),
        ("officer_b", 403),
        ("analyst", 200),
        ("reviewer", 200),
        ("auditor", 403),
    ],
)
def test_staff_request_page_is_for_the_legal_team(client_for, request, shared_request_a, who, status):
    url = reverse("web:staff-detail", kwargs={"ref": shared_request_a.ref})
    assert _get(client_for, request, who, url).status_code == status


def test_staff_request_page_of_an_unknown_reference_is_404(client_for, analyst):
    url = reverse("web:staff-detail", kwargs={"ref": "LR-2026-999999"})
    assert client_for(analyst).get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_a", 200),
        ("officer_b", 200),
        ("analyst", 403),
        ("reviewer", 403),
        ("auditor", 403),
    ],
)
def test_portal_is_for_officers(client_for, request, who, status):
    assert _get(client_for, request, who, reverse("web:portal")).status_code == status
    assert _get(client_for, request, who, reverse("web:portal-create")).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_a", 200),
        ("officer_b", 404),
        ("analyst", 403),
        ("reviewer", 403),
        ("auditor", 403),
    ],
)
def test_portal_request_page_is_for_the_agency_that_filed_it(client_for, request, shared_request_a, who, status):
    assert (
        _get(client_for, request, who, reverse("web:portal-detail", kwargs={"ref": shared_request_a.ref})).status_code
        == status
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_a", 200),
        ("officer_b", 404),
        ("analyst", 403),
        ("reviewer", 403),
        ("auditor", 403),
    ],
)
def test_correcting_a_draft_is_for_the_agency_that_filed_it(client_for, request, officer_a, draft_factory, who, status):
    draft = draft_factory(officer_a)
    assert _get(client_for, request, who, reverse("web:portal-edit", kwargs={"ref": draft.ref})).status_code == status


def test_officer_of_another_agency_cannot_submit_or_withdraw_and_gets_404(
    client_for, officer_a, officer_b, draft_factory
):
    draft = draft_factory(officer_a)
    client = client_for(officer_b)
    for name in ("web:portal-submit", "web:portal-withdraw", "web:portal-upload", "web:portal-edit"):
        assert client.post(reverse(name, kwargs={"ref": draft.ref})).status_code == 404
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, request_ref=draft.ref).exists()


@pytest.mark.parametrize("who", ["analyst", "reviewer", "auditor"])
def test_staff_and_auditors_cannot_use_the_officer_actions(client_for, request, officer_a, draft_factory, who):
    draft = draft_factory(officer_a)
    client = client_for(request.getfixturevalue(who))
    for name in ("web:portal-submit", "web:portal-withdraw", "web:portal-upload"):
        assert client.post(reverse(name, kwargs={"ref": draft.ref})).status_code == 403
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "auditor"])
def test_only_the_legal_team_posts_checks_proposals_and_approvals(
    client_for, request, shared_pending_approval_request, who
):
    client = client_for(request.getfixturevalue(who))
    ref = shared_pending_approval_request.ref
    for name in ("web:checks-run", "web:proposal", "web:approval"):
        assert client.post(reverse(name, kwargs={"ref": ref}), {"verdict": "approve"}).status_code == 403
    shared_pending_approval_request.refresh_from_db()
    assert shared_pending_approval_request.state == State.PENDING_APPROVAL


def test_a_reviewer_cannot_run_the_checks_again(client_for, reviewer, shared_request_a):
    response = client_for(reviewer).post(reverse("web:checks-run", kwargs={"ref": shared_request_a.ref}))
    assert response.status_code == 403


def test_role_refusal_on_a_request_page_is_audited(client_for, auditor, shared_request_a):
    client_for(auditor).get(reverse("web:staff-detail", kwargs={"ref": shared_request_a.ref}))
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, request_ref=shared_request_a.ref).get()
    assert entry.details == {"resource": "web:staff-detail", "reason": REASON_ROLE}


def test_a_role_refusal_says_whose_page_it_is(client_for, auditor):
    from web.views.common import ERR_STAFF_ONLY

    response = client_for(auditor).get(reverse("web:queue"))
    assert response.status_code == 403
    assert ERR_STAFF_ONLY in response.content.decode()


def test_a_made_up_reference_on_a_refused_page_is_not_written_into_the_trail(client_for, auditor):
    before = AuditEntry.objects.count()

    assert client_for(auditor).get("/queue/LR-2026-999999/").status_code == 403
    assert client_for(auditor).get("/queue/NOT-A-REF-<script>/").status_code == 404  # matches no page

    assert AuditEntry.objects.count() == before


def test_the_requesting_officer_never_reviews_their_own_request_even_with_a_staff_role(
    client_for, officer_a, shared_request_a
):
    from django.contrib.auth.models import Group

    from requests_app.selectors import REASON_OWN_REQUEST
    from rules.models import CheckRun
    from rules.services import legal_request_check

    # given: the officer who filed the request also holds the analyst role
    officer_a.groups.add(Group.objects.get(name="analyst"))
    client = client_for(get_user_model().objects.get(pk=officer_a.pk))
    checks = CheckRun.objects.filter(legal_request=shared_request_a).count()

    # when / then: the legal team's page and actions on it do not exist for them, whatever the way in
    assert client.get(reverse("web:staff-detail", kwargs={"ref": shared_request_a.ref})).status_code == 404
    assert client.post(reverse("web:checks-run", kwargs={"ref": shared_request_a.ref})).status_code == 404
    with pytest.raises(NotFound):
        legal_request_check(legal_request=shared_request_a, actor=get_user_model().objects.get(pk=officer_a.pk))
    assert CheckRun.objects.filter(legal_request=shared_request_a).count() == checks
    denial = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, request_ref=shared_request_a.ref).last()
    assert denial.details == {"resource": "web:checks-run", "reason": REASON_OWN_REQUEST}


@pytest.mark.parametrize("path", ["/queue/%00/", "/portal/%00/", "/audit/requests/%00/", "/queue/%00/checks/"])
def test_a_page_for_a_reference_that_is_not_one_is_404(client_for, analyst, officer_a, auditor, path):
    for user in (analyst, officer_a, auditor):
        assert client_for(user).get(path).status_code == 404
