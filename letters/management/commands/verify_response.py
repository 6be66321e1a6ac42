from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from letters.selectors import response_verify


class Command(BaseCommand):
    help = "Check a response PDF: signature valid, covering the whole file, ours, and issued by this system."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            pdf = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}")
        result = response_verify(pdf)
        if result.valid:
            stamp = ", timestamped" if result.timestamped else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"VALID: response to {result.reference}, issued {result.issued_at:%Y-%m-%d %H:%M} UTC{stamp}."
                )
            )
            self.stdout.write(f"Signed by: {result.signer_subject}")
            certificate = result.certificate
            if certificate is not None:
                declarant = f"{certificate.declarant}, " if certificate.declarant else ""
                declaration = f" (declaration: {certificate.declaration})" if certificate.declaration else ""
                self.stdout.write(
                    f"Certificate of authenticity (FRE 902(11), 902(13)) by {declarant}{certificate.custodian}, "
                    f"request {certificate.ref}, executed {certificate.executed_on}{declaration}:"
                )
                for file in certificate.files:
                    self.stdout.write(
                        f"- {file.name} ({file.size} bytes): stated SHA-256 {file.stated_sha256}, "
                        f"attached file's {file.embedded_sha256 or '(absent)'}: {file.status}"
                    )
            return
        self.stdout.write(self.style.ERROR("NOT VALID"))
        for problem in result.problems:
            self.stdout.write(f"- {problem}")
        raise SystemExit(1)
