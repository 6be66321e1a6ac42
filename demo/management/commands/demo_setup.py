from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from demo.canned_texts import demo_canned_texts_create
from demo.cast import demo_cast_create, demo_requests_create, demo_subscribers_create
from demo.publication import demo_transparency_publish
from demo.signed_orders import demo_trust_root_create
from letters.keys import signing_key_init
from rules.services import rules_load_shipped


class Command(BaseCommand):
    help = (
        "Create the demo agencies, users, rule sets, signing key, standard texts and subscribers, and publish the "
        "transparency dataset (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user (default: generated, printed once)")

    def handle(self, *args, password=None, **options):
        if password:
            try:  # before anything is created
                validate_password(password)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages))
        report = rules_load_shipped()
        self.stdout.write(f"Rule sets loaded: {', '.join(report.created) or 'none new'}")
        key = signing_key_init()
        state = "created" if key.created else "kept"
        self.stdout.write(f"Development signing key {state}: {key.subject}, SHA-256 {key.fingerprint_sha256[:16]}...")
        accounts = demo_subscribers_create()
        self.stdout.write(f"Subscriber accounts added: {accounts}")
        canned = demo_canned_texts_create()
        self.stdout.write(f"Standard texts added: {canned}")
        cast = demo_cast_create(password=password)
        if cast.password is None:
            self.stdout.write("Demo users already exist; their passwords are unchanged.")
        else:
            self.stdout.write(self.style.SUCCESS("Demo users (all with the same password):"))
            for username in cast.usernames:
                self.stdout.write(f"  {username:<12} {cast.password}")
        root = demo_trust_root_create()
        self.stdout.write(f"Trust root for incoming EU orders (development only): {root.subject}")
        refs = demo_requests_create()
        if refs:
            self.stdout.write(f"Demo requests submitted: {', '.join(refs)}")
        publication = demo_transparency_publish()
        if publication is not None:
            self.stdout.write(
                f"Transparency dataset published (/transparency/) at the checkpoint of {publication.tree_size} entries"
            )
