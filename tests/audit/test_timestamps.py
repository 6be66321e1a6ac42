"""Checkpoints time-stamped by an RFC 3161 authority when one is configured."""

from __future__ import annotations

import base64

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.actions import AuditAction
from audit.checkpoints import exported_checkpoint_files, timestamp_file_name
from audit.services import audit_checkpoint_create, audit_record
from audit.timestamps import (
    ERR_STAMP_INVALID,
    ERR_TRUST_ROOTS_UNREADABLE,
    TimestampInvalid,
    checkpoint_timestamp_verify,
)
from tests.letters.conftest import timestamp_authority  # noqa: F401  (the local authority, a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def timestamped(settings, timestamp_authority):  # noqa: F811
    settings.AUDIT_TSA_URL = timestamp_authority.url
    settings.AUDIT_TSA_TRUST_ROOTS = str(timestamp_authority.root_pem)
    audit_record(action=AuditAction.REQUEST_VIEWED)
    stored = audit_checkpoint_create()
    (path,) = exported_checkpoint_files(settings.AUDIT_CHECKPOINT_DIR)
    return stored, path, path.with_name(timestamp_file_name(path.name))


def test_the_checkpoint_is_time_stamped_and_the_token_kept_with_it(timestamped, capsys):
    stored, path, token = timestamped

    check = checkpoint_timestamp_verify(path.read_bytes(), token.read_bytes())

    assert check.trusted and check.time
    assert base64.b64decode(stored.timestamp_token) == token.read_bytes()
    call_command("audit_verify", "--no-progress")
    assert "time-stamped" in capsys.readouterr().out


def test_a_token_over_another_document_is_refused(timestamped):
    _, path, token = timestamped

    with pytest.raises(TimestampInvalid, match=ERR_STAMP_INVALID):
        checkpoint_timestamp_verify(path.read_bytes() + b" ", token.read_bytes())


def test_unreadable_trust_roots_refuse_the_token_with_a_clear_error(timestamped, settings, tmp_path):
    _, path, token = timestamped
    roots = tmp_path / "roots.pem"
    roots.write_bytes(b"not a certificate")
    settings.AUDIT_TSA_TRUST_ROOTS = str(roots)

    with pytest.raises(TimestampInvalid, match=ERR_TRUST_ROOTS_UNREADABLE):
        checkpoint_timestamp_verify(path.read_bytes(), token.read_bytes())


def test_audit_verify_refuses_a_checkpoint_whose_token_was_swapped(timestamped):
    _, path, token = timestamped
    token.write_bytes(b"\x30\x03\x02\x01\x00")

    with pytest.raises(CommandError, match="time-stamp .* cannot be trusted"):
        call_command("audit_verify", "--no-progress")


def test_an_unreachable_authority_leaves_the_checkpoint_untimed_not_missing(settings, timestamp_authority):  # noqa: F811
    settings.AUDIT_TSA_URL = "http://127.0.0.1:9/"
    audit_record(action=AuditAction.REQUEST_VIEWED)

    stored = audit_checkpoint_create()

    assert stored.timestamp_token == "" and stored.tree_size == 1
