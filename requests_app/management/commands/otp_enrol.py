from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from requests_app.auth import second_factor_enrol


class Command(BaseCommand):
    help = "Give a user a TOTP second factor and print the otpauth:// URI for their authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        device = second_factor_enrol(user=user)
        self.stdout.write(device.config_url)
