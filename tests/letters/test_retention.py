"""Retention: snapshots, letters' PDFs and closed requests' documents go after their period, never
under a legal or preservation hold; the trail and the letter still verify after the purge."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command

from audit.actions import AuditAction
from audit.models import AuditEntry
from disclosure.models import DisclosureSnapshot, SnapshotTarget
from lawreq.errors import Gone, InvalidInput, NotPermitted
from letters.models import Response
from letters.retention import KIND_DOCUMENT, KIND_LETTER, KIND_SNAPSHOT, expired_items, purge_expired
from letters.services import response_download
from letters.tasks import purge_expired_task
from requests_app.legal_hold import legal_request_legal_hold_set
from requests_app.models import LegalDocument
from requests_app.services import legal_document_download
from subscribers.models import PreservationHold
from tests.letters.conftest import issued_pdf_of
from tests.letters.test_verification import verify_command

pytestmark = pytest.mark.django_db

PAST_RETENTION = dt.timedelta(days=800)  # both periods default to 730 days


def _purge_command(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def _later():
    return time_machine.travel(dt.datetime.now(tz=dt.UTC) + PAST_RETENTION, tick=False)


def test_nothing_is_purged_before_its_time(issued_response):
    assert expired_items() == []
    assert _purge_command().endswith("0 item(s) purged.\n")


def test_dry_run_lists_what_would_go_and_changes_nothing(issued_response, approved_request):
    entries_before = AuditEntry.objects.count()
    with _later():
        listing = _purge_command("--dry-run")
    kinds = {line.split("\t")[1] for line in listing.splitlines() if "\t" in line}
    assert kinds == {KIND_SNAPSHOT, KIND_LETTER, KIND_DOCUMENT}
    assert all(line.startswith(approved_request.ref) for line in listing.splitlines() if "\t" in line)
    assert "3 item(s) would be purged." in listing
    response = Response.objects.get(pk=issued_response.pk)
    assert response.purged_at is None and bytes(response.pdf_sealed)
    assert DisclosureSnapshot.objects.get(legal_request=approved_request).shredded_at is None
    assert LegalDocument.objects.filter(purged_at__isnull=True).count() == 1
    assert AuditEntry.objects.count() == entries_before


def test_purge_keeps_the_trail_and_the_old_letter_verifiable(tmp_path, issued_response, approved_request, officer_a):
    # given the real signed letter, kept by the recipient
    pdf = issued_pdf_of(issued_response)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(pdf)
    document = LegalDocument.objects.get(legal_request=approved_request)
    assert default_storage.exists(document.file.name)
    # when the retention period is over and the purge runs (the beat task, then again)
    with _later():
        assert purge_expired_task() == 3
        assert purge_expired_task() == 0
    # then the content is gone: the PDF's bytes, the snapshot's sealed fields, the document's file on disk
    response = Response.objects.get(pk=issued_response.pk)
    assert response.purged_at is not None and bytes(response.pdf_sealed) == b""
    assert response.sha256 == issued_response.sha256
    assert not any(
        bytes(getattr(entry, field))
        for entry in SnapshotTarget.objects.filter(snapshot__legal_request=approved_request)
        for field in SnapshotTarget.SEALED_FIELDS
    )
    assert not default_storage.exists(document.file.name)
    with pytest.raises(Gone):
        response_download(user=officer_a, ref=approved_request.ref)
    with pytest.raises(Gone):
        legal_document_download(legal_request=approved_request, actor=officer_a, document_id=document.pk)
    # each purge is audited, with the digest
    purges = AuditEntry.objects.filter(action=AuditAction.RETENTION_PURGED, request_ref=approved_request.ref)
    assert sorted(entry.details["kind"] for entry in purges) == [KIND_DOCUMENT, KIND_LETTER, KIND_SNAPSHOT]
    assert any(entry.details.get("sha256") == issued_response.sha256 for entry in purges)
    # the trail is intact, and the old letter still verifies as ours
    call_command("audit_verify", "--no-progress", stdout=StringIO())
    code, output = verify_command(letter)
    assert code == 0, output
    assert f"VALID: response to {approved_request.ref}" in output


def test_a_request_under_legal_hold_is_not_purged(issued_response, approved_request, reviewer):
    legal_request_legal_hold_set(legal_request=approved_request, actor=reviewer, on=True, reason="Litigation")
    with _later():
        assert expired_items() == []
        assert purge_expired() == []
    assert Response.objects.get(pk=issued_response.pk).purged_at is None
    assert AuditEntry.objects.filter(action=AuditAction.LEGAL_HOLD_CHANGED, request_ref=approved_request.ref).exists()
    # lifted, it goes at the next purge
    legal_request_legal_hold_set(legal_request=approved_request, actor=reviewer, on=False, reason="Litigation ended")
    with _later():
        assert len(purge_expired()) == 3


def test_a_request_under_an_active_preservation_hold_is_not_purged(issued_response, approved_request, account):
    with _later():
        now = dt.datetime.now(tz=dt.UTC)
        PreservationHold.objects.create(
            account=account, legal_request=approved_request, starts_at=now, expires_at=now + dt.timedelta(days=1)
        )
        assert expired_items() == []
        assert purge_expired() == []


def test_only_the_legal_team_places_a_legal_hold_and_with_a_reason(approved_request, officer_a, reviewer, api):
    with pytest.raises(NotPermitted):
        legal_request_legal_hold_set(legal_request=approved_request, actor=officer_a, on=True, reason="x")
    with pytest.raises(InvalidInput):
        legal_request_legal_hold_set(legal_request=approved_request, actor=reviewer, on=True, reason="  ")
    url = f"/api/v1/requests/{approved_request.ref}/legal-hold/"
    assert api(officer_a).post(url, {"legal_hold": True, "reason": "x"}, format="json").status_code == 404
    answer = api(reviewer).post(url, {"legal_hold": True, "reason": "Litigation hold"}, format="json")
    assert answer.status_code == 200 and answer.json()["legal_hold"] is True


def test_lifting_a_legal_hold_needs_a_reason_too(approved_request, reviewer, api, audit_trail):
    legal_request_legal_hold_set(legal_request=approved_request, actor=reviewer, on=True, reason="Litigation")
    with pytest.raises(InvalidInput, match="lifted"):
        legal_request_legal_hold_set(legal_request=approved_request, actor=reviewer, on=False, reason=" ")
    url = f"/api/v1/requests/{approved_request.ref}/legal-hold/"

    refused = api(reviewer).post(url, {"legal_hold": False}, format="json")
    approved_request.refresh_from_db()
    assert refused.status_code == 400 and "reason" in refused.json()
    assert approved_request.legal_hold

    lifted = api(reviewer).post(url, {"legal_hold": False, "reason": "Litigation ended"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["legal_hold"] is False
    audit_trail.assert_recorded(AuditAction.LEGAL_HOLD_CHANGED, actor=reviewer, legal_hold=False)


def test_the_request_page_places_and_lifts_a_legal_hold(approved_request, reviewer, officer_a):
    from django.test import Client
    from django.urls import reverse

    url = reverse("web:legal-hold", args=[approved_request.ref])
    officer = Client()
    officer.force_login(officer_a)
    assert officer.post(url, {"legal_hold": "on", "reason": "x"}).status_code == 403
    staff = Client()
    staff.force_login(reviewer)
    page = staff.get(reverse("web:staff-detail", args=[approved_request.ref])).content.decode()
    assert 'id="legal-hold-form"' in page
    staff.post(url, {"legal_hold": "on", "reason": "Litigation hold"})
    approved_request.refresh_from_db()
    assert approved_request.legal_hold
    staff.post(url, {"legal_hold": "off"})
    approved_request.refresh_from_db()
    assert approved_request.legal_hold, "lifted without a reason"
    staff.post(url, {"legal_hold": "off", "reason": "Litigation ended"})
    approved_request.refresh_from_db()
    assert not approved_request.legal_hold
