"""What a leaked backup or the media folder shows: targets and legal documents only sealed.

Targets are AES-GCM envelopes with a keyed blind index (search and duplicates still work on it);
documents are sealed streams; ``rotate_keys`` re-encrypts both.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from reportlab.pdfgen import canvas

from audit.actions import AuditAction
from audit.models import AuditEntry
from lawreq.errors import NotPermitted
from letters.keys import signing_key_init
from letters.signing import signer_forget
from requests_app.models import LegalDocument, LegalRequest, Target
from requests_app.selectors import legal_requests_naming_target, legal_requests_visible_to
from tests.conftest import new_data_key, us_request_payload
from tests.subscribers.conftest import make_account_row
from vault.crypto import ERR_TAMPERED, DecryptionRefused, envelope_key_id
from vault.services import keys_rotate
from vault.streams import stream_key_id
from workflow.services import do_issue_response, do_validate

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"
SENTENCE = "The suspect Ignatius Quarrendon-Vale used the handle below"
PHONE_WRITTEN, PHONE_E164 = "(202) 555-0187", "+12025550187"
USERNAME = "quarrendon.vale"
ACCOUNT_ID = "acct-4471-zeta"
# How each identifier could show in clear: as written, normalised, or in parts.
IDENTIFIERS = [PHONE_E164, "2025550187", "555-0187", USERNAME, ACCOUNT_ID, "4471-zeta", "Quarrendon"]


def court_order_pdf(sentence: str = SENTENCE) -> bytes:
    """A PDF whose text is in an uncompressed content stream: readable by grep if stored in clear."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pageCompression=0)
    pdf.drawString(72, 720, sentence)
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    assert sentence.encode() in data
    return data


def upload(client, ref: str, content: bytes, name: str = "order.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"{REQUESTS}{ref}/documents/", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def three_targets_payload() -> dict:
    return us_request_payload(
        targets=[
            {"type": "phone", "value": PHONE_WRITTEN},
            {"type": "username", "value": f"@{USERNAME}"},
            {"type": "account_id", "value": ACCOUNT_ID},
        ]
    )


def pg_dump() -> bytes:
    """The test database as a data dump, without the platform's own account tables: those hold its
    users' phone numbers and ids whoever asks; what must not show is that they are *targets*."""
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "--exclude-table-data=subscribers_*", "-d", db["NAME"]]
    for option, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    environment = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(command, check=True, capture_output=True, env=environment, timeout=120).stdout


def media_bytes(root: Path) -> list[bytes]:
    return [path.read_bytes() for path in Path(root).rglob("*") if path.is_file()]


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_and_the_media_folder_hold_no_target_or_document_text_in_clear(
    api,
    officer_a,
    analyst,
    reviewer,
    shipped_rules,
    settings,
    tmp_path,
):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump of the production database")
    settings.LAWREQ_ENCRYPTION_KEYS = new_data_key()
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "keys" / "signing.p12")
    signer_forget()
    signing_key_init()
    make_account_row(
        "acct-9001", username=USERNAME, phone="+12025550111", events=[("2026-10-12 10:00:00", "203.0.113.7", 1)]
    )
    make_account_row("acct-9002", username="someone.else", phone=PHONE_E164)
    make_account_row(ACCOUNT_ID, username="zeta", phone="+12025550122")

    # given: a request naming a phone, a username and an account id, with a court order, disclosed
    officer = api(officer_a)
    ref = officer.post(REQUESTS, three_targets_payload(), format="json").json()["ref"]
    assert upload(officer, ref, court_order_pdf()).status_code == 201
    assert officer.post(f"{REQUESTS}{ref}/submit/").status_code == 200
    # The tasks run eagerly after commit; run here too (both are idempotent) in case another test
    # module left Celery pointing at a broker.
    do_validate(legal_request_id=LegalRequest.objects.get(ref=ref).pk)
    assert LegalRequest.objects.get(ref=ref).state == "in_review"
    proposal = {"decision": "disclose", "categories": ["ip_addresses", "phone_number"], "reason": "As asked."}
    assert api(analyst).post(f"{REQUESTS}{ref}/proposal/", proposal, format="json").status_code == 201
    assert api(reviewer).post(f"{REQUESTS}{ref}/approval/", {"approve": True}, format="json").status_code == 200
    legal_request = LegalRequest.objects.get(ref=ref)
    do_issue_response(legal_request_id=legal_request.pk)
    legal_request.refresh_from_db()
    assert legal_request.state == "responded"
    assert {t.account_id for t in legal_request.targets.all()} == {"acct-9001", "acct-9002", ACCOUNT_ID}

    # when: the database is dumped and the media folder read
    dump, files = pg_dump(), media_bytes(settings.MEDIA_ROOT)

    # then: neither names a target, nor holds a line of the court order
    assert ref.encode() in dump and files  # the dump and the folder are the real ones
    for secret in [*IDENTIFIERS, SENTENCE, "acct-9001", "acct-9002"]:
        assert secret.encode() not in dump, secret
        assert secret.encode().hex() not in dump.decode("latin-1"), secret  # pg_dump writes bytea as hex
        assert not any(secret.encode() in content for content in files), secret
    signer_forget()


def test_a_target_is_read_in_clear_but_stored_sealed_with_a_blind_index(draft_factory, officer_a):
    legal_request = draft_factory(officer_a, targets=three_targets_payload()["targets"])

    stored = list(
        Target.objects.filter(legal_request=legal_request).values("type", "value_sealed", "value_index").order_by("id")
    )
    targets = list(legal_request.targets.order_by("id"))

    assert [(t.type, t.value) for t in targets] == [
        ("phone", PHONE_E164),
        ("username", USERNAME),
        ("account_id", ACCOUNT_ID),
    ]
    for row, clear in zip(stored, [PHONE_E164, USERNAME, ACCOUNT_ID], strict=True):
        assert clear.encode() not in bytes(row["value_sealed"])
        assert re.fullmatch(r"[0-9a-f]{64}", row["value_index"]) and clear not in row["value_index"]


def test_an_envelope_copied_to_another_target_does_not_open(draft_factory, officer_a):
    legal_request = draft_factory(officer_a, targets=three_targets_payload()["targets"])
    phone, username, _ = legal_request.targets.order_by("id")

    Target.objects.filter(pk=username.pk).update(value_sealed=phone.value_sealed)

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        _ = Target.objects.get(pk=username.pk).value
    assert AuditEntry.objects.filter(action=AuditAction.DECRYPTION_REFUSED).exists()


def test_the_same_identifier_twice_in_a_request_is_refused_by_the_database(draft_factory, officer_a):
    legal_request = draft_factory(officer_a, targets=[{"type": "phone", "value": PHONE_WRITTEN}])

    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(legal_request=legal_request, type="phone", value=PHONE_E164)


def test_a_search_by_target_finds_every_request_naming_it_whatever_the_spelling(
    draft_factory, officer_a, officer_b, analyst
):
    first = draft_factory(officer_a, targets=[{"type": "phone", "value": PHONE_WRITTEN}])
    second = draft_factory(officer_a, targets=[{"type": "phone", "value": "+1 202-555-0187"}])
    other_agency = draft_factory(officer_b, targets=[{"type": "phone", "value": "+1 (202) 555 0187"}])
    draft_factory(officer_a, targets=[{"type": "phone", "value": "(202) 555-0199"}])

    visible = legal_requests_visible_to(analyst)
    found_national = legal_requests_naming_target(visible, identifier="(202) 555-0187", actor=analyst)
    found_e164 = legal_requests_naming_target(visible, identifier=PHONE_E164, actor=analyst)

    assert set(found_national) == set(found_e164) == {first, second, other_agency}
    with pytest.raises(NotPermitted):  # officers do not look people up
        legal_requests_naming_target(legal_requests_visible_to(officer_a), identifier=PHONE_E164, actor=officer_a)
    searches = AuditEntry.objects.filter(action=AuditAction.TARGET_SEARCHED)
    assert searches.count() == 2
    assert PHONE_E164 not in str(list(searches.values_list("details", flat=True)))


def test_a_search_by_account_id_finds_the_targets_that_resolved_to_it(draft_factory, officer_a, analyst):
    named = draft_factory(officer_a, targets=[{"type": "account_id", "value": ACCOUNT_ID}])
    resolved = draft_factory(officer_a, targets=[{"type": "username", "value": "zeta"}])
    target = resolved.targets.get()
    target.account_id = ACCOUNT_ID
    target.save()

    found = legal_requests_naming_target(legal_requests_visible_to(analyst), identifier=ACCOUNT_ID, actor=analyst)

    assert set(found) == {named, resolved}


def test_the_blind_index_depends_on_its_own_key(draft_factory, officer_a, settings):
    from vault.blind_index import blind_index

    before = blind_index(kind="phone", value=PHONE_E164)
    settings.LAWREQ_BLIND_INDEX_KEY = "another-index-key-of-at-least-32-characters"

    assert blind_index(kind="phone", value=PHONE_E164) != before
    assert blind_index(kind="username", value=PHONE_E164) != blind_index(kind="phone", value=PHONE_E164)


def test_a_document_is_stored_sealed_and_downloaded_in_clear(api, officer_a, settings):
    client = api(officer_a)
    ref = client.post(REQUESTS, us_request_payload(), format="json").json()["ref"]
    content = court_order_pdf()

    created = upload(client, ref, content)
    downloaded = client.get(f"{REQUESTS}{ref}/documents/{created.json()['id']}/")

    document = LegalDocument.objects.get(pk=created.json()["id"])
    stored = Path(settings.MEDIA_ROOT, document.file.name).read_bytes()
    assert SENTENCE.encode() not in stored and b"%PDF" not in stored
    assert document.sha256 == hashlib.sha256(content).hexdigest() == created.json()["sha256"]
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == content
    assert downloaded["Content-Length"] == str(len(content))


def test_an_altered_document_is_refused_on_download_and_audited(api, officer_a, settings):
    client = api(officer_a)
    ref = client.post(REQUESTS, us_request_payload(), format="json").json()["ref"]
    document_id = upload(client, ref, court_order_pdf()).json()["id"]
    path = Path(settings.MEDIA_ROOT, LegalDocument.objects.get(pk=document_id).file.name)
    data = bytearray(path.read_bytes())
    data[-40] ^= 1
    path.write_bytes(bytes(data))

    response = client.get(f"{REQUESTS}{ref}/documents/{document_id}/")

    assert response.status_code == 409 and response.json()["detail"] == ERR_TAMPERED
    assert AuditEntry.objects.filter(action=AuditAction.DECRYPTION_REFUSED, request_ref=ref).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED, request_ref=ref).exists()


def test_key_rotation_re_encrypts_targets_and_documents_and_everything_still_reads(
    api, officer_a, settings, django_capture_on_commit_callbacks
):
    first_key = new_data_key()
    settings.LAWREQ_ENCRYPTION_KEYS = first_key
    client = api(officer_a)
    ref = client.post(REQUESTS, three_targets_payload(), format="json").json()["ref"]
    content = court_order_pdf()
    document_id = upload(client, ref, content).json()["id"]
    legal_request = LegalRequest.objects.get(ref=ref)
    target = legal_request.targets.get(type="username")
    target.account_id = "acct-9001"
    target.save()
    old_file = LegalDocument.objects.get(pk=document_id).file.name
    second_key = "k2:" + base64.b64encode(os.urandom(32)).decode()
    settings.LAWREQ_ENCRYPTION_KEYS = f"{first_key},{second_key}"

    with django_capture_on_commit_callbacks(execute=True):
        result = keys_rotate()

    assert result.resealed["requests_app.target.value_sealed"] == 3
    assert result.resealed["requests_app.target.account_sealed"] == 1
    assert result.resealed["requests_app.legaldocument.file"] == 1 and result.refused == 0
    targets = list(Target.objects.filter(legal_request=legal_request).order_by("id"))
    assert {envelope_key_id(bytes(t.value_sealed)) for t in targets} == {"k2"}
    document = LegalDocument.objects.get(pk=document_id)
    with document.file.open("rb") as stored:
        assert stream_key_id(stored) == "k2"
    assert not Path(settings.MEDIA_ROOT, old_file).exists()  # the file under the old key is gone
    settings.LAWREQ_ENCRYPTION_KEYS = second_key  # the old key retired: everything reads with k2 alone
    assert [t.value for t in targets] == [PHONE_E164, USERNAME, ACCOUNT_ID]
    assert targets[1].account_id == "acct-9001"
    downloaded = client.get(f"{REQUESTS}{ref}/documents/{document_id}/")
    assert b"".join(downloaded.streaming_content) == content
    assert sum(keys_rotate().resealed.values()) == 0
