from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lawreq.errors import Conflict
from requests_app.models import LegalRequest
from workflow.services import do_retry, do_sweep


class Command(BaseCommand):
    help = (
        "Send again the work whose task was lost (what the beat runs every minute), or, with --retry REF, "
        "one request's waiting work at once (audited)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--retry", metavar="REF", help="the reference of one stuck request to retry now")

    def handle(self, *args, retry: str | None = None, **options):
        if retry:
            legal_request = LegalRequest.objects.filter(ref=retry).first()
            if legal_request is None:
                raise CommandError(f"No request {retry}.")
            try:
                task = do_retry(legal_request=legal_request, actor=None, via="command")
            except Conflict as conflict:
                raise CommandError(str(conflict))
            self.stdout.write(self.style.SUCCESS(f"{retry}: {task} sent again."))
            return
        result = do_sweep()
        self.stdout.write(
            f"{len(result.validations)} validation(s) and {len(result.letters)} letter(s) sent again; "
            f"{len(result.alerts)} request(s) alerted."
        )
