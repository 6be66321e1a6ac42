"""The demo's French order arrives signed under a development "EU judicial test CA", which the demo
configures as an EU trust root, so the walk-through shows a valid signature; production mode refuses
both the demo's root and creating it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from demo.signed_orders import ERR_PRODUCTION, demo_trust_root_create
from requests_app.checks import demo_trust_root_check
from requests_app.choices import SignatureStatus
from requests_app.models import LegalDocument, TrustRoot

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_keys(settings, tmp_path):
    settings.LAWREQ_KEYS_DIR = tmp_path / "keys"
    settings.LAWREQ_SIGNING_P12 = str(tmp_path / "keys" / "signing.p12")


def test_the_demo_french_order_is_validly_signed_and_the_us_one_unsigned(demo_keys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_setup", "--password", "demo-password-123")

    statuses = dict(LegalDocument.objects.values_list("legal_request__jurisdiction__code", "signature_status"))
    assert statuses == {"FR": SignatureStatus.VALID, "US": SignatureStatus.UNSIGNED}
    assert TrustRoot.objects.get().jurisdiction.code == "EU"


def test_production_mode_refuses_the_demo_root(demo_keys, settings):
    demo_trust_root_create()
    assert demo_trust_root_check(databases=["default"]) == []

    settings.LAWREQ_PRODUCTION = True

    assert [error.id for error in demo_trust_root_check(databases=["default"])] == ["requests_app.E001"]
    with pytest.raises(CommandError, match=ERR_PRODUCTION):
        demo_trust_root_create()
