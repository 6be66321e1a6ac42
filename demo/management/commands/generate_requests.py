from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from audit.models import AuditEntry
from demo.audit_history import audit_bulk_append, synthetic_history_rows, synthetic_requests

MAX_REQUESTS = 5_000_000


class Command(BaseCommand):
    help = (
        "Append the audit trail of N synthetic requests (received between --since and now; refs GEN<seed>-...) for "
        "the transparency dataset and the response-time reports at scale. Only the trail: no request rows. "
        "Then sign a checkpoint (audit_checkpoint) and publish (transparency_publish)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="first day of receipt (default: two years ago)")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, requests: int, seed: int, since: str | None, no_progress: bool = False, **options):
        if not 1 <= requests <= MAX_REQUESTS:
            raise CommandError(f"--requests must be between 1 and {MAX_REQUESTS:,}.")
        end = timezone.now()
        try:
            start = dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC) if since else end - dt.timedelta(days=730)
        except ValueError:
            raise CommandError("--since must be a date, YYYY-MM-DD.")
        if start >= end:
            raise CommandError("--since must be in the past.")
        prefix = f"GEN{seed}"
        # The same seed twice would name the same requests twice: each request is received once.
        if AuditEntry.objects.filter(request_ref__startswith=f"{prefix}-").exists():
            raise CommandError(f"Requests {prefix}-... are already in the trail: choose another --seed.")
        began = time.monotonic()
        generated = synthetic_requests(requests, start=start, end=end, seed=seed, ref_prefix=prefix)
        # Only what has happened by now: an answer drawn after now stays in the future, as the trail must.
        rows = [row for row in synthetic_history_rows(generated) if row["created_at"] <= end]
        with tqdm(total=len(rows), unit=" entries", unit_scale=True, disable=no_progress, desc="generate") as bar:
            written = audit_bulk_append(_counted(rows, bar.update))
        seconds = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Appended {written:,} audit entries for {requests:,} requests in {seconds:.1f} s. "
                "Next: manage.py audit_checkpoint, then manage.py transparency_publish."
            )
        )


def _counted(rows, update, every: int = 10_000):
    for number, row in enumerate(rows, start=1):
        if not number % every:
            update(every)
        yield row
    update(len(rows) % every)
