"""Every file the application writes is its user's only: files 0600, folders 0700."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from requests_app.models import LegalDocument
from tests.conftest import make_pdf, us_request_payload

MAKE_EVERYTHING = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from letters.keys import signing_key_init
from vault.crypto import key_ring

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (id integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
key_ring()
signing_key_init()
default_storage.save("documents/2026/12/probe.pdf.sealed", ContentFile(b"sealed bytes"))
"""


def group_or_other_bits(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode) & 0o077


def test_the_embedded_default_creates_its_database_keys_and_media_private(tmp_path):
    # given: a data folder and a database file left world-readable by an older version
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LAWREQ_KEYS_DIR")}
    environment["LAWREQ_DATA_DIR"] = str(data_dir)
    environment.pop("LAWREQ_ENCRYPTION_KEYS", None)

    # when: the application starts with a permissive umask and writes through its real paths
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE_EVERYTHING],
        cwd=django_settings.BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )

    # then
    written = [data_dir, *data_dir.rglob("*")]
    names = {path.relative_to(data_dir).as_posix() for path in written}
    assert {"lawreq.sqlite3", "keys/data_keys", "keys/signing.p12", "media/documents/2026/12/probe.pdf.sealed"} <= names
    assert {path.relative_to(data_dir).as_posix(): oct(group_or_other_bits(path)) for path in written} == {
        path.relative_to(data_dir).as_posix(): "0o0" for path in written
    }
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in written if path.is_file())


@pytest.mark.django_db
def test_an_uploaded_document_is_written_0600_in_0700_folders(api, officer_a, settings):
    client = api(officer_a)
    ref = client.post("/api/v1/requests/", us_request_payload(), format="json").json()["ref"]

    created = client.post(
        f"/api/v1/requests/{ref}/documents/",
        {"file": SimpleUploadedFile("order.pdf", make_pdf())},
        format="multipart",
    )

    media = Path(settings.MEDIA_ROOT)
    stored = media / LegalDocument.objects.get(pk=created.json()["id"]).file.name
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    folder = stored.parent
    while folder != media.parent:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600 and settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
