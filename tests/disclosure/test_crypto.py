from __future__ import annotations

import base64
import os
import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from audit.actions import AuditAction
from vault.crypto import (
    ERR_KEYS_DUPLICATE,
    ERR_MALFORMED,
    ERR_TAMPERED,
    ERR_UNKNOWN_KEY,
    DecryptionRefused,
    development_key_add,
    development_keys_path,
    envelope_key_id,
    key_ring,
    seal,
    unseal,
)

pytestmark = pytest.mark.django_db

CONTEXT = "disclosure.snapshottarget:7:ip_events"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_round_trip_with_the_same_context(encryption_keys):
    envelope = seal(b"203.0.113.7", context=CONTEXT)

    assert unseal(envelope, context=CONTEXT) == b"203.0.113.7"
    assert b"203.0.113.7" not in envelope
    assert envelope_key_id(envelope) == "k1"


def test_two_seals_of_the_same_value_differ(encryption_keys):
    assert seal(b"same", context=CONTEXT) != seal(b"same", context=CONTEXT)


@pytest.mark.parametrize(
    "other_context",
    ["disclosure.snapshottarget:8:ip_events", "disclosure.snapshottarget:7:phone_numbers", ""],
)
def test_a_ciphertext_moved_to_another_row_or_field_is_refused_and_audited(encryption_keys, audit_trail, other_context):
    envelope = seal(b"secret", context=CONTEXT)

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        unseal(envelope, context=other_context)

    entry = audit_trail.assert_recorded(AuditAction.DECRYPTION_REFUSED, context=other_context, key_id="k1")
    assert entry.details["reason"] == ERR_TAMPERED


@pytest.mark.parametrize("position", [0, 1, 5, 20, -1])
def test_a_flipped_byte_anywhere_is_refused_and_audited(encryption_keys, audit_trail, position):
    envelope = bytearray(seal(b"secret payload", context=CONTEXT))
    envelope[position] ^= 0x01

    with pytest.raises(DecryptionRefused):
        unseal(bytes(envelope), context=CONTEXT)

    audit_trail.assert_recorded(AuditAction.DECRYPTION_REFUSED, context=CONTEXT)


@pytest.mark.parametrize("first_nonce_byte", [0x00, 0x20, 0xFF])
def test_a_key_id_stretched_over_the_nonce_is_refused_as_malformed(encryption_keys, audit_trail, first_nonce_byte):
    # given: the key id's length byte bumped by one, so the key id takes in the nonce's first byte
    envelope = bytearray(seal(b"secret payload", context=CONTEXT))
    envelope[1] += 1
    envelope[2 + envelope[1] - 1] = first_nonce_byte

    with pytest.raises(DecryptionRefused, match=ERR_MALFORMED):
        unseal(bytes(envelope), context=CONTEXT)

    audit_trail.assert_recorded(AuditAction.DECRYPTION_REFUSED, context=CONTEXT, key_id="", reason=ERR_MALFORMED)


def test_a_truncated_envelope_is_refused(encryption_keys):
    with pytest.raises(DecryptionRefused):
        unseal(seal(b"x", context=CONTEXT)[:10], context=CONTEXT)


def test_the_last_key_encrypts_and_every_listed_key_decrypts(settings, encryption_keys):
    old = seal(b"old", context=CONTEXT)
    settings.LAWREQ_ENCRYPTION_KEYS = f"{encryption_keys},k2:{new_key()}"

    new = seal(b"new", context=CONTEXT)

    assert envelope_key_id(new) == "k2"
    assert unseal(old, context=CONTEXT) == b"old"
    assert unseal(new, context=CONTEXT) == b"new"


def test_a_key_no_longer_listed_cannot_decrypt(settings, encryption_keys, audit_trail):
    envelope = seal(b"old", context=CONTEXT)
    settings.LAWREQ_ENCRYPTION_KEYS = f"k2:{new_key()}"

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_UNKNOWN_KEY.format(kid="k1"))):
        unseal(envelope, context=CONTEXT)

    audit_trail.assert_recorded(AuditAction.DECRYPTION_REFUSED, key_id="k1")


def test_relabelling_an_envelope_with_another_key_id_is_refused(settings, encryption_keys):
    settings.LAWREQ_ENCRYPTION_KEYS = f"k1:{new_key()},k2:{new_key()}"
    envelope = bytearray(seal(b"secret", context=CONTEXT))
    assert envelope[2:4] == b"k2"
    envelope[3:4] = b"1"

    with pytest.raises(DecryptionRefused, match=re.escape(ERR_TAMPERED)):
        unseal(bytes(envelope), context=CONTEXT)


FIXED_KEY = base64.b64encode(bytes(range(32))).decode()  # parameters must not vary between test workers


@pytest.mark.parametrize(
    "spec",
    ["k1", "k1:not base64!", f"k1:{base64.b64encode(bytes(20)).decode()}", f"bad id:{FIXED_KEY}", ","],
    ids=["no key", "not base64", "20-byte key", "bad key id", "empty"],
)
def test_malformed_key_settings_are_refused_without_echoing_the_key(settings, spec):
    settings.LAWREQ_ENCRYPTION_KEYS = spec

    with pytest.raises(ImproperlyConfigured) as problem:
        key_ring()

    secret = spec.partition(":")[2]
    assert not secret or secret not in str(problem.value)


def test_a_key_id_listed_twice_is_refused(settings):
    settings.LAWREQ_ENCRYPTION_KEYS = f"k1:{new_key()},k1:{new_key()}"

    with pytest.raises(ImproperlyConfigured, match=re.escape(ERR_KEYS_DUPLICATE.format(kid="k1"))):
        key_ring()


def test_without_settings_a_development_key_file_is_made_and_kept(settings, tmp_path):
    settings.LAWREQ_ENCRYPTION_KEYS = ""
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"

    envelope = seal(b"dev", context=CONTEXT)

    path = development_keys_path()
    assert path.parent == tmp_path / "keys"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert envelope_key_id(envelope) == "dev1"
    assert unseal(envelope, context=CONTEXT) == b"dev"


def test_a_development_key_can_be_added_and_then_encrypts(settings, tmp_path):
    settings.LAWREQ_ENCRYPTION_KEYS = ""
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    before = seal(b"before", context=CONTEXT)

    assert development_key_add() == "dev2"

    after = seal(b"after", context=CONTEXT)
    assert envelope_key_id(after) == "dev2"
    assert unseal(before, context=CONTEXT) == b"before"


def test_memoryviews_from_the_database_are_read_as_bytes(encryption_keys):
    envelope = bytes(seal(b"secret", context=CONTEXT))
    as_chars = memoryview(envelope).cast("c")  # what psycopg2 returns for bytea

    assert envelope_key_id(as_chars) == "k1"
    assert unseal(as_chars, context=CONTEXT) == b"secret"
