"""Every API endpoint and web page that shows personal data leaves an audit entry naming the reader.

It walks the whole set on one responded request (the end of the pipeline, where every kind of
personal data exists: targets, the legal document, the snapshot, the signed letter), as the user
each one is meant for.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver

from audit.models import AuditEntry
from requests_app.states import State
from tests.conftest import PASSWORD
from tests.letters.conftest import SHARED_LETTER_PER_MODULE

pytestmark = [pytest.mark.django_db, SHARED_LETTER_PER_MODULE]

# (who, how, path template): {ref} and {document} are filled in.
PERSONAL_DATA_READS = [
    ("officer_a", "api", "/api/v1/requests/{ref}/"),
    ("analyst", "api", "/api/v1/requests/{ref}/"),
    ("analyst", "api", "/api/v1/requests/{ref}/documents/{document}/"),
    ("analyst", "api", "/api/v1/requests/{ref}/snapshot/"),
    ("reviewer", "api", "/api/v1/requests/{ref}/snapshot/"),
    ("officer_a", "api", "/api/v1/requests/{ref}/response.pdf"),
    ("analyst", "api", "/api/v1/requests/{ref}/response.pdf"),
    ("analyst", "web", "/queue/{ref}/"),
    ("reviewer", "web", "/queue/{ref}/"),
    ("officer_a", "web", "/portal/{ref}/"),
    ("officer_a", "web", "/portal/{ref}/response.pdf"),
    ("analyst", "web", "/requests/{ref}/response/preview/"),
    ("officer_a", "api", "/api/v1/requests/{ref}/messages/"),
    ("analyst", "api", "/api/v1/requests/{ref}/messages/"),
    ("reviewer", "api", "/api/v1/requests/{ref}/notes/"),
]

# Routes that show no personal data, or only the caller's own input before it is stored; each
# is named so that a new route cannot slip past this test unseen.
NO_PERSONAL_DATA = {
    "api-token",
    "api-logout",
    "second-factor",
    "schema",
    "swagger-ui",
    "favicon",
    "set_language",  # the language chooser: sets a cookie and redirects
    "keep-alive",  # marks the session active and says how long is left
    "legalrequest-list",
    "legalrequest-documents",
    "api-submit",
    "api-withdraw",
    "home",
    "login",
    "logout",
    "queue",
    "checks-run",
    "work-retry",
    "proposal",
    "approval",
    "portal",
    "portal-create",
    "portal-edit",
    "portal-upload",
    "portal-submit",
    "portal-withdraw",
    "api-jurisdictions",
    "api-request-checks",
    # The check before filing answers with the rules' findings, never a target.
    "api-request-precheck",
    "api-preservation",
    "api-preservation-extend",
    "api-proposal",
    "api-approval",
    "verify-api",
    "verify",
    "audit-entries",
    "audit-entry-proof",
    "audit-verify",
    "audit-checkpoint-latest",
    "audit-request-trail",
    "report-transparency",
    "report-activity",
    "report-personal-data-access",
    "report-permission-denials",
    "report-sla",
    # Response times: hours per jurisdiction and process type, counted from the trail.
    "report-response-times",
    # The public transparency page and its signed files: counts only, from the published dataset.
    "transparency",
    "transparency-file",
    "audit-status",
    "audit-verify-now",
    "audit-checkpoint",
    "audit-requests",
    "audit-trail",
    "audit-reports",
    "audit-report",
    "audit-trail-page",
    # Writing in the conversation: a refused message shows the request page again, audited by it.
    "portal-message",
    "staff-message",
    "staff-note",
    # Notifications name a reference and an event, nothing else.
    "api-notifications",
    "api-notifications-read",
    "api-notification-read",
    "notifications",
    "notifications-read",
    "notification-open",
    # assignment from the queue and the request page: a redirect, nothing shown
    "queue-assign",
    "request-assign",
    # Officers' registration and verification, the legal hold from the request page (a redirect):
    # no platform user's data.
    "register",
    "register-confirm",
    "officer-reverify",
    "officers-pending",
    "officer-decide",
    "legal-hold",
    # The enforcing authority's decision recorded from the request page: a redirect.
    "enforcing-decision",
    # A call-back recorded, a follow-up marked received, from the request page: a redirect, or the
    # request page again (audited by it).
    "callback",
    "followup-received",
}
PERSONAL_DATA_ROUTES = {
    "legalrequest-detail",
    "legalrequest-document-download",
    "api-snapshot",
    "response-pdf",
    "staff-detail",
    "portal-detail",
    "portal-response",
    "preview",
    "api-messages",
    "api-notes",
    # Audited by the entries of their own actions, tested where a proposal waits or an assignment
    # is made (tests/web/test_approval_screen.py, tests/api/test_workbench.py).
    "approval-review",
    "approval-preview",
    "legalrequest-assign",
    # The check before filing shows the request page again (a draft's, so not in the reads above):
    # audited as a view, tested in tests/web/test_guided_form.py.
    "portal-precheck",
    "legalrequest-legal-hold",
    # Answers with the request, audited by the entry of the decision it records
    # (tests/workflow/test_enforcing_window.py).
    "legalrequest-enforcing-decision",
    "api-followup-received",
    # Call-backs name whom the legal team spoke to at the agency: each listing is audited.
    "api-callbacks",
}


def _route_names(patterns) -> set[str]:
    names = set()
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            if not str(pattern.pattern).startswith("admin/"):
                names |= _route_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def test_every_route_is_classified():
    unclassified = _route_names(get_resolver().url_patterns) - NO_PERSONAL_DATA - PERSONAL_DATA_ROUTES
    assert not unclassified, f"say whether these routes show personal data: {sorted(unclassified)}"


def _client(user, how: str):
    if how == "web":
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client
    from rest_framework.test import APIClient

    from requests_app.auth import token_create

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)[0]}")
    return client


@pytest.mark.parametrize(("who", "how", "path"), PERSONAL_DATA_READS)
def test_reading_personal_data_is_audited(request, shared_issued_response, who, how, path):
    legal_request = shared_issued_response.legal_request
    legal_request.refresh_from_db()
    assert legal_request.state == State.RESPONDED
    user = request.getfixturevalue(who)
    url = path.format(ref=legal_request.ref, document=legal_request.documents.get().pk)
    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    response = _client(user, how).get(url)

    assert response.status_code == 200, (url, response.status_code)
    reads = AuditEntry.objects.filter(id__gt=last_id, actor_id=user.pk, request_ref=legal_request.ref)
    assert reads.exists(), f"{url} showed personal data to {who} without an audit entry"
    for entry in reads:
        assert entry.role and entry.created_at.utcoffset().total_seconds() == 0
        assert "+1202" not in str(entry.details) and "someone" not in str(entry.details)
