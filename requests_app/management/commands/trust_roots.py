from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lawreq.errors import DomainError
from requests_app.models import TrustRoot
from requests_app.trust import jurisdiction_get, trust_root_add, trust_root_remove

MAX_CERTIFICATE_BYTES = 64 * 1024


class Command(BaseCommand):
    help = "Trust roots for incoming signed orders, per jurisdiction: add, list, remove (each change audited)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add a CA certificate (PEM or DER) as a root of a jurisdiction")
        add.add_argument("jurisdiction", help="e.g. EU (inherited by its members), FR, DE")
        add.add_argument("certificate", type=Path)
        add.add_argument("--label", required=True)
        add.add_argument("--by", help="The username the audit trail names (default: the system)")
        listing = actions.add_parser("list", help="List the roots")
        listing.add_argument("--jurisdiction")
        remove = actions.add_parser("remove", help="Remove a root by its id")
        remove.add_argument("id", type=int)
        remove.add_argument("--by")

    def _actor(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _add(self, *, jurisdiction: str, certificate: Path, label: str, by: str | None, **_options) -> None:
        if not certificate.is_file() or certificate.stat().st_size > MAX_CERTIFICATE_BYTES:
            raise CommandError(f"{certificate}: not a certificate file of at most {MAX_CERTIFICATE_BYTES} bytes.")
        root = trust_root_add(
            jurisdiction=jurisdiction_get(jurisdiction),
            label=label,
            certificate=certificate.read_bytes(),
            actor=self._actor(by),
        )
        self.stdout.write(f"Added trust root #{root.pk} for {root.jurisdiction.code}: {root.subject}")

    def _list(self, *, jurisdiction: str | None, **_options) -> None:
        roots = TrustRoot.objects.select_related("jurisdiction").order_by("jurisdiction__code", "label")
        if jurisdiction:
            roots = roots.filter(jurisdiction=jurisdiction_get(jurisdiction))
        for root in roots:
            state = "valid" if root.is_current else "NOT VALID NOW"
            self.stdout.write(
                f"#{root.pk}\t{root.jurisdiction.code}\t{root.label}\t{root.subject}\t"
                f"{root.not_valid_before:%Y-%m-%d}..{root.not_valid_after:%Y-%m-%d} ({state})\t"
                f"sha256:{root.fingerprint_sha256}"
            )

    def _remove(self, *, id: int, by: str | None, **_options) -> None:
        trust_root_remove(root_id=id, actor=self._actor(by))
        self.stdout.write(f"Removed trust root #{id}.")
