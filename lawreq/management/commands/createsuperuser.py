"""Django's createsuperuser with the password validators on every path.

Django validates an interactive password but offers to bypass the validators, and does not validate
``DJANGO_SUPERUSER_PASSWORD`` at all with ``--noinput``. Here the password always comes from that
variable and is always validated.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

ERR_INTERACTIVE = (
    "Interactive creation would offer to bypass the password rules. Run instead: "
    "DJANGO_SUPERUSER_PASSWORD=... manage.py createsuperuser --noinput --username NAME --email ADDRESS"
)
ERR_NO_PASSWORD = "Set DJANGO_SUPERUSER_PASSWORD: an administrator without a password cannot log in."  # noqa: S105


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        if options["interactive"]:
            raise CommandError(ERR_INTERACTIVE)
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not password:
            raise CommandError(ERR_NO_PASSWORD)
        user_model = get_user_model()
        candidate = user_model(
            **{
                user_model.USERNAME_FIELD: options.get(user_model.USERNAME_FIELD) or "",
                "email": options.get("email") or "",
            }
        )
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return super().handle(*args, **options)
