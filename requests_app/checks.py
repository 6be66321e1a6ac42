"""Production mode refuses the demo's judicial test CA as a trust root for incoming orders: with it,
an order signed by anyone holding the development key would pass as valid."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from lawreq.checks import production_mode

ERR_DEMO_TRUST_ROOT = "Production mode with the demo's judicial test CA configured as a trust root ({labels})."
HINT_DEMO_TRUST_ROOT = "Remove it: `manage.py trust_roots list`, then `manage.py trust_roots remove ID`."


@register(Tags.database)
def demo_trust_root_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not production_mode() or not databases:
        return []
    from requests_app.models import TrustRoot
    from requests_app.trust import DEMO_TRUST_ROOT_CN

    try:
        labels = list(
            TrustRoot.objects.filter(subject__contains=f"CN={DEMO_TRUST_ROOT_CN}").values_list("label", flat=True)
        )
    except DatabaseError:
        return []  # lawreq.E005 says the database cannot be reached
    if not labels:
        return []
    return [
        Error(ERR_DEMO_TRUST_ROOT.format(labels=", ".join(labels)), hint=HINT_DEMO_TRUST_ROOT, id="requests_app.E001")
    ]
