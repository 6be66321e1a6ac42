"""Trust roots for incoming signed orders: managed in the admin and by ``manage.py trust_roots``,
every change audited; a certificate that is not a CA's, or not a certificate, is refused."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils.html import escape

from audit.actions import AuditAction
from audit.models import AuditEntry
from requests_app.models import Jurisdiction, TrustRoot
from requests_app.trust import ERR_CERTIFICATE, ERR_NOT_CA, jurisdiction_trust_roots
from tests.admin.conftest import administrator  # noqa: F401 - the fixture
from tests.requests_app.signing_kit import OrderCA

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/requests_app/trustroot/add/"


@pytest.fixture(scope="module")
def ca() -> OrderCA:
    return OrderCA.create("EU judicial test CA")


def test_the_command_adds_lists_and_removes_a_root_each_audited(ca, tmp_path, capsys, analyst):
    path = tmp_path / "root.pem"
    path.write_bytes(ca.pem)

    call_command("trust_roots", "add", "eu", str(path), "--label", "EU judicial", "--by", analyst.username)
    root = TrustRoot.objects.get()
    call_command("trust_roots", "list")
    call_command("trust_roots", "remove", str(root.pk))

    out = capsys.readouterr().out
    assert "EU judicial" in out and root.fingerprint_sha256 in out and "(valid)" in out
    assert not TrustRoot.objects.exists()
    added = AuditEntry.objects.get(action=AuditAction.TRUST_ROOT_ADDED)
    assert added.actor_id == analyst.pk
    assert added.details["jurisdiction"] == "EU"
    assert added.details["fingerprint_sha256"] == root.fingerprint_sha256
    assert AuditEntry.objects.filter(action=AuditAction.TRUST_ROOT_REMOVED).count() == 1


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"not a certificate", ERR_CERTIFICATE), (None, ERR_NOT_CA)],
)
def test_the_command_refuses_what_is_not_a_ca_certificate(ca, tmp_path, content, error):
    if content is None:  # a signer's certificate: not a root
        content = ca.signer().signing_cert.dump()
    path = tmp_path / "root.der"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=re.escape(error)):
        call_command("trust_roots", "add", "EU", str(path), "--label", "x")

    assert not TrustRoot.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.TRUST_ROOT_ADDED).exists()


def test_the_same_root_twice_for_a_jurisdiction_is_refused(ca, tmp_path):
    path = tmp_path / "root.pem"
    path.write_bytes(ca.pem)
    call_command("trust_roots", "add", "EU", str(path), "--label", "one")

    with pytest.raises(CommandError, match="already a trust root of EU"):
        call_command("trust_roots", "add", "EU", str(path), "--label", "two")


def test_a_member_state_inherits_its_region_s_roots_and_not_another_member_s(ca, tmp_path):
    path = tmp_path / "root.pem"
    path.write_bytes(ca.pem)
    call_command("trust_roots", "add", "EU", str(path), "--label", "EU")
    call_command("trust_roots", "add", "DE", str(path), "--label", "DE")

    assert [root.label for root in jurisdiction_trust_roots(Jurisdiction.objects.get(code="FR"))] == ["EU"]
    assert sorted(root.label for root in jurisdiction_trust_roots(Jurisdiction.objects.get(code="DE"))) == ["DE", "EU"]
    assert jurisdiction_trust_roots(Jurisdiction.objects.get(code="US")) == []


def test_the_admin_adds_a_root_from_a_der_file_and_records_it(client, administrator, ca):  # noqa: F811
    client.force_login(administrator)
    eu = Jurisdiction.objects.get(code="EU")

    response = client.post(
        ADD_URL,
        {
            "jurisdiction": eu.pk,
            "label": "EU judicial",
            "certificate": SimpleUploadedFile("root.cer", ca.cert.public_bytes(serialization.Encoding.DER)),
        },
    )

    assert response.status_code == 302, response.content[:2000]
    root = TrustRoot.objects.get()
    assert (root.jurisdiction, root.added_by, root.subject) == (eu, administrator, ca.cert.subject.rfc4514_string())
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_ADDED, object_type="requests_app.trustroot")
    assert entry.actor_id == administrator.pk
    page = client.get(f"/admin/requests_app/trustroot/{root.pk}/change/")
    assert page.status_code == 200 and root.fingerprint_sha256.encode() in page.content


def test_the_admin_refuses_a_certificate_that_is_not_a_ca(client, administrator, ca):  # noqa: F811
    client.force_login(administrator)

    response = client.post(
        ADD_URL,
        {
            "jurisdiction": Jurisdiction.objects.get(code="EU").pk,
            "label": "leaf",
            "certificate": SimpleUploadedFile("leaf.der", ca.signer().signing_cert.dump()),
        },
    )

    assert response.status_code == 200
    assert escape(ERR_NOT_CA).encode() in response.content
    assert not TrustRoot.objects.exists()


def test_the_admin_deletes_a_root_and_records_it(client, administrator, ca, tmp_path):  # noqa: F811
    path = tmp_path / "root.pem"
    path.write_bytes(ca.pem)
    call_command("trust_roots", "add", "EU", str(path), "--label", "EU")
    root = TrustRoot.objects.get()
    client.force_login(administrator)

    response = client.post(f"/admin/requests_app/trustroot/{root.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TrustRoot.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.ADMIN_DELETED, object_type="requests_app.trustroot").exists()
