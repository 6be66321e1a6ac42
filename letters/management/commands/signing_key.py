from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from letters.keys import signing_key_init, signing_key_status
from letters.signing import signer_forget


class Command(BaseCommand):
    help = "The PAdES signing key: `init` creates a development CA and certificate, `show` describes the key in use."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="action", required=True)
        init = subcommands.add_parser("init", help="create the development signing key (does nothing if one exists)")
        init.add_argument(
            "--force", action="store_true", help="issue a new signing certificate from the same development CA"
        )
        subcommands.add_parser("show", help="describe the configured signing certificate")

    def handle(self, *args, action: str, force: bool = False, **options):
        try:
            status = signing_key_init(force=force) if action == "init" else signing_key_status()
        except ImproperlyConfigured as error:
            raise CommandError(str(error))
        signer_forget()
        if action == "init":
            verb = "Created" if status.created else "Kept the existing"
            self.stdout.write(self.style.SUCCESS(f"{verb} signing key {status.p12_path}"))
        self.stdout.write(f"Subject:     {status.subject}")
        self.stdout.write(f"SHA-256:     {status.fingerprint_sha256}")
        self.stdout.write(f"Valid until: {status.not_after:%Y-%m-%d}")
        if status.ca_cert_path:
            self.stdout.write(f"Development CA: {status.ca_cert_path}")
