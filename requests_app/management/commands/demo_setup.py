from __future__ import annotations

from django.core.management.base import BaseCommand

from requests_app.demo import demo_cast_create


class Command(BaseCommand):
    help = "Create the demo agencies, users, rule sets, signing key and synthetic subscribers (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user (default: generated, printed once)")

    def handle(self, *args, password=None, **options):
        cast = demo_cast_create(password=password)
        if cast.password is None:
            self.stdout.write("Demo users already exist; their passwords are unchanged.")
        else:
            self.stdout.write(self.style.SUCCESS("Demo users (all with the same password):"))
            for username in cast.usernames:
                self.stdout.write(f"  {username:<12} {cast.password}")
