"""The legal hold on a request: while it is on, retention purges nothing of the request."""

from __future__ import annotations

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import InvalidInput, NotPermitted
from lawreq.roles import Role, has_role, is_legal_staff
from requests_app.models import LegalRequest

ERR_HOLD_ROLE = "Only the legal team or an administrator places or lifts a legal hold."
ERR_HOLD_REASON = "Say why the request is held (litigation, an authority's request...)."
ERR_RELEASE_REASON = "Say why the hold is lifted (the litigation ended, the authority released it...)."


@transaction.atomic
def legal_request_legal_hold_set(*, legal_request: LegalRequest, actor, on: bool, reason: str = "") -> LegalRequest:
    """Place (``on``) or lift the legal hold; a reason is required either way: lifting it lets retention
    purge the request, a decision the trail must explain as much as the hold. Audited."""
    if not (is_legal_staff(actor) or has_role(actor, Role.ADMIN) or getattr(actor, "is_superuser", False)):
        raise NotPermitted(ERR_HOLD_ROLE)
    # Printable text only (no NUL, no lone surrogate): the trail stores it byte for byte.
    reason = "".join(ch for ch in reason if ch.isprintable()).encode("utf-8", "ignore").decode().strip()
    if not reason:
        raise InvalidInput(ERR_HOLD_REASON if on else ERR_RELEASE_REASON, field="reason")
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    if locked.legal_hold != on:
        locked.legal_hold = on
        locked.save(update_fields=["legal_hold", "updated_at"])
        audit_record(
            action=AuditAction.LEGAL_HOLD_CHANGED,
            actor=actor,
            obj=locked,
            request_ref=locked.ref,
            # The reason is the legal team's text: it stays in the trail, not on the request.
            details={"legal_hold": on, "reason": reason[:500]},
        )
    legal_request.legal_hold = on
    return legal_request
