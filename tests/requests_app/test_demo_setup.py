from __future__ import annotations

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from audit.models import AuditEntry
from disclosure.models import CannedText, CannedTextKind
from reports.models import TransparencyPublication
from requests_app.models import Agency, LegalRequest
from requests_app.states import State
from rules.models import RuleSetVersion


@pytest.mark.django_db
def test_demo_setup_creates_the_cast_and_is_idempotent(settings, tmp_path, capsys, django_capture_on_commit_callbacks):
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "keys" / "signing.p12")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_setup", "--password", "demo-password-123")
    first = capsys.readouterr().out
    counts = (
        get_user_model().objects.count(),
        Agency.objects.count(),
        LegalRequest.objects.count(),
        RuleSetVersion.objects.count(),
        AuditEntry.objects.count(),
        CannedText.objects.count(),
    )
    call_command("demo_setup")
    second = capsys.readouterr().out

    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {"officer.us", "officer.fr", "analyst", "reviewer", "auditor", "admin"} <= usernames
    assert "demo-password-123" in first and "demo-password-123" not in second
    assert get_user_model().objects.get(username="analyst").check_password("demo-password-123")
    assert set(LegalRequest.objects.values_list("state", flat=True)) == {State.IN_REVIEW}
    assert (
        get_user_model().objects.count(),
        Agency.objects.count(),
        LegalRequest.objects.count(),
        RuleSetVersion.objects.count(),
        AuditEntry.objects.count(),
        CannedText.objects.count(),
    ) == counts
    # the public transparency page has figures: a dataset published once, counting the demo requests
    (publication,) = TransparencyPublication.objects.all()
    dataset = orjson.loads(bytes(publication.data_json))
    assert sum(period["total"]["received"] for period in dataset["periods"] if period["kind"] == "half") == (
        LegalRequest.objects.count()
    )
    assert "Transparency dataset published" in first and "Transparency dataset published" not in second
    # the analyst's "Insert a standard text" lists are not empty: every kind has active texts
    assert set(CannedText.objects.filter(active=True).values_list("kind", flat=True)) == set(CannedTextKind.values)
