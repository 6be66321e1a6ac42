from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.subscribers import subscribers_generate
from lawreq.errors import InvalidInput


class Command(BaseCommand):
    help = "Add synthetic accounts with IPv4/IPv6 events and phones of several countries, in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=1000)
        parser.add_argument("--events-per-account", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, accounts: int, events_per_account: int, seed: int, no_progress: bool = False, **options):
        with tqdm(total=accounts, unit="account", disable=no_progress, desc="generate") as bar:
            try:
                result = subscribers_generate(
                    accounts=accounts, events_per_account=events_per_account, seed=seed, progress=bar.update
                )
            except InvalidInput as invalid:
                raise CommandError(invalid.message)
        rate = result.ip_events / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.accounts} accounts and {result.ip_events} IP events "
                f"in {result.seconds:.1f} s ({rate:,.0f} events/s)."
            )
        )
