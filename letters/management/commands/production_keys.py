"""Real keys for a production run on this machine (``make run-prod``), written once to a folder
outside the repository: the secret key, the data keys, the keys of the audit trail's hashes and
blind indexes, a signing CA of this installation with its letters' and reports' certificates
under a passphrase, and the Ed25519 checkpoint key. ``DIR/production.env`` names them all, for a
shell (``set -a; . DIR/production.env``) or a systemd unit (``EnvironmentFile=``).

A real deployment takes them from its secret store and its own certificate authority instead.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audit.keys import ed25519_key_at
from letters.keys import local_signing_keys_create

ENV_FILE = "production.env"


class Command(BaseCommand):
    help = "Create production keys for a local run in DIR (outside the repository); does nothing if DIR has them."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        directory = directory.resolve()
        env_file = directory / ENV_FILE
        if env_file.exists():
            self.stdout.write(f"Kept the existing keys: {env_file}")
            return
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        passphrase = secrets.token_urlsafe(24)
        try:
            signing, report_signing = local_signing_keys_create(directory=directory, passphrase=passphrase.encode())
        except ImproperlyConfigured as error:
            raise CommandError(str(error))
        checkpoint_key = directory / "audit_checkpoint.pem"
        ed25519_key_at(checkpoint_key)
        data_key = base64.b64encode(secrets.token_bytes(32)).decode()
        values = {
            "SECRET_KEY": secrets.token_urlsafe(64),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
            "LAWREQ_BLIND_INDEX_KEY": secrets.token_urlsafe(48),
            "LAWREQ_ENCRYPTION_KEYS": f"p1:{data_key}",
            "LAWREQ_KEYS_DIR": str(directory),
            "LAWREQ_SIGNING_P12": str(signing),
            "LAWREQ_REPORT_SIGNING_P12": str(report_signing),
            "LAWREQ_SIGNING_PASSPHRASE": passphrase,
            "AUDIT_CHECKPOINT_KEY": str(checkpoint_key),
        }
        # Every value is URL-safe base64 or a path without spaces: no quoting needed by a shell or systemd.
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
        self.stdout.write(self.style.SUCCESS(f"Created production keys in {directory}; variables in {env_file}"))
