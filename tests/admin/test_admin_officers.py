"""The officers' admin: approve, refuse and deactivate go through the audited services."""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from requests_app.models import OfficerStatus
from requests_app.selectors import legal_request_get
from tests.conftest import _officer, draft_create

pytestmark = pytest.mark.django_db


def test_the_deactivate_action_closes_the_account_and_keeps_the_agencys_access(
    admin_client, officer_a, agency_a, audit_trail
):
    colleague = _officer("carl.colleague", email="carl@springfield-pd.gov", agency=agency_a)
    legal_request = draft_create(officer_a)

    answer = admin_client.post(
        "/admin/requests_app/officer/",
        {"action": "deactivate", "_selected_action": [officer_a.officer.pk], "index": 0},
    )

    assert answer.status_code == 302
    officer_a.refresh_from_db()
    assert not officer_a.is_active and officer_a.officer.status == OfficerStatus.DEACTIVATED
    assert legal_request_get(user=colleague, ref=legal_request.ref) == legal_request
    audit_trail.assert_recorded(AuditAction.OFFICER_DEACTIVATED, user=officer_a.pk)
