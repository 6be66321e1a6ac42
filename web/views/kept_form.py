"""A form sent after the session timed out keeps what was typed, across the log-in.

The log-in round trip: the page's view (after the CSRF check passed, so a forged post is never kept)
finds an anonymous user whose session just timed out (``SESSION_EXPIRED_USER_KEY``), seals the
posted fields into the fresh session and sends the person to log in; logging in keeps the session's
data, and the form's page, opened again by the same user, pops the fields and shows them, unsaved.
The fields may name targets (personal data): they are sealed (``vault.crypto``) to that user and
path, never kept in clear, kept once, and only for the person whose session ended.
"""

from __future__ import annotations

import base64
import json

from django.http import HttpRequest, QueryDict

from requests_app.auth import SESSION_EXPIRED_USER_KEY
from vault.crypto import DecryptionRefused, seal, unseal

KEPT_FORM_KEY = "lawreq_kept_form"
MAX_KEPT_BYTES = 256 * 1024
NOT_KEPT_FIELDS = frozenset({"csrfmiddlewaretoken"})


def _context(user_id: int, path: str) -> str:
    return f"web.kept_form:{user_id}:{path}"


def keep_post_after_expiry(request: HttpRequest) -> bool:
    """Keep the posted fields (never files) if this post comes from a session that just timed out."""
    user_id = request.session.get(SESSION_EXPIRED_USER_KEY)
    if request.method != "POST" or user_id is None:
        return False
    fields = {name: values for name, values in request.POST.lists() if name not in NOT_KEPT_FIELDS}
    clear = json.dumps(fields).encode()
    if len(clear) > MAX_KEPT_BYTES:
        return False
    envelope = seal(clear, context=_context(user_id, request.path))
    request.session[KEPT_FORM_KEY] = {
        "user": user_id,
        "path": request.path,
        "sealed": base64.b64encode(bytes(envelope)).decode(),
    }
    return True


def restore_kept_post(request: HttpRequest) -> QueryDict | None:
    """The fields kept for this user and this page, once; None when there are none."""
    kept = request.session.get(KEPT_FORM_KEY)
    if not kept or kept.get("path") != request.path or kept.get("user") != request.user.pk:
        return None
    del request.session[KEPT_FORM_KEY]
    request.session.pop(SESSION_EXPIRED_USER_KEY, None)
    try:
        fields = json.loads(unseal(base64.b64decode(kept["sealed"]), context=_context(request.user.pk, request.path)))
    except (DecryptionRefused, ValueError, KeyError):
        return None
    restored = QueryDict(mutable=True)
    for name, values in fields.items():
        restored.setlist(name, values)
    return restored
