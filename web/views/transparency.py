"""The public transparency page and the signed files it is built from: anyone, no log-in.

Everything here is read from the latest publication (``reports.transparency``): the page is drawn
from its data.json alone, the files are its exact stored bytes. Nothing changes between two
publications, so the page's content is cached per publication, period and language, and the files
answer with a strong ETag. Throttled per client address like /verify/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import orjson
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from audit.keys import checkpoint_signing_key, key_id, public_key_pem
from audit.selectors import checkpoint_named
from lawreq.clientip import ClientAddressAnonThrottle
from lawreq.errors import InvalidInput
from reports.models import TransparencyPublication
from reports.public_page import public_transparency
from reports.transparency import transparency_latest

TEMPLATE = "web/transparency.html"
BODY_TEMPLATE = "web/_transparency_body.html"
ERR_NOTHING_PUBLISHED = "Nothing has been published yet."
ERR_NO_SUCH_FILE = "No such file."
ERR_THROTTLED = _("Too many pages asked for from your address; try again in a minute.")
PAGE_CACHE_SECONDS = 24 * 3600
# Until the next publication, which may come any day: caches keep a file a few minutes, then ask
# again with its ETag.
FILE_MAX_AGE_SECONDS = 300


class TransparencyThrottle(ClientAddressAnonThrottle):
    """Per client address, as ``lawreq.clientip`` finds it: the page and its files together."""

    scope = "transparency"
    rate = "120/min"


def _public_key(publication: TransparencyPublication) -> bytes | None:
    """The public half of the key that signed this publication, as kept with it; for a publication
    made before it was kept, the checkpoint key's, if it is still the key that signed it."""
    if publication.public_key_pem:
        return bytes(publication.public_key_pem)
    public_key = checkpoint_signing_key().public_key()
    return public_key_pem(public_key) if key_id(public_key) == publication.key_id else None


def _checkpoint_document(publication: TransparencyPublication) -> bytes | None:
    checkpoint = checkpoint_named(tree_size=publication.tree_size, merkle_root=publication.root_hash)
    return checkpoint.document.encode() if checkpoint is not None else None


PUBLISHED_FILES: dict[str, tuple[Callable[[TransparencyPublication], bytes | None], str]] = {
    "data.json": (lambda publication: bytes(publication.data_json), "application/json"),
    "data.csv": (lambda publication: bytes(publication.data_csv), "text/csv; charset=utf-8"),
    "data.json.sig": (lambda publication: bytes(publication.data_json_signature), "application/octet-stream"),
    "data.csv.sig": (lambda publication: bytes(publication.data_csv_signature), "application/octet-stream"),
    "key.pem": (_public_key, "application/x-pem-file"),
    "checkpoint.json": (_checkpoint_document, "application/json"),
}


def _throttled(request: HttpRequest) -> bool:
    return not TransparencyThrottle().allow_request(request, None)


def _page_body(publication: TransparencyPublication, period: str | None, country: str | None) -> str:
    """The page's content for a period and country, rendered once per publication and language."""
    # The query's words hashed: whatever a client sends, the key stays short and plain. Only a
    # period and country the dataset has are ever stored.
    chosen = hashlib.sha256(f"{period or ''}\n{country or ''}".encode()).hexdigest()[:32]
    key = f"transparency-page:{publication.pk}:{chosen}:{get_language()}"
    body = cache.get(key)
    if body is None:
        page = public_transparency(orjson.loads(bytes(publication.data_json)), period=period, country=country)
        body = render_to_string(BODY_TEMPLATE, {"page": page})
        cache.set(key, body, PAGE_CACHE_SECONDS)
    return body


@require_safe
def transparency_page(request: HttpRequest) -> HttpResponse:
    """The latest publication's figures for a period (``?period=2026-Q3``) and one country over time
    (``&country=FR``), its charts, response times, definitions, the checkpoint it names and how to
    check it; a clear page before any."""
    if _throttled(request):
        return render(request, TEMPLATE, {"throttled": True}, status=429)
    publication = transparency_latest()
    if publication is None:
        return render(request, TEMPLATE, {"body": None})
    period, country = request.GET.get("period") or None, request.GET.get("country") or None
    context, status = {}, 200
    try:
        body = _page_body(publication, period, country)
    except InvalidInput as error:
        context["error"], status = error.message, 400
        body = _page_body(publication, None, None)
    return render(request, TEMPLATE, {**context, "body": body}, status=status)


@require_safe
def transparency_file(request: HttpRequest, name: str) -> HttpResponse:
    """data.json, data.csv, their detached signatures, the public key and the checkpoint: the
    stored bytes exactly, 404 before the first publication."""
    if _throttled(request):
        return HttpResponse(str(ERR_THROTTLED), status=429, content_type="text/plain; charset=utf-8")
    publication = transparency_latest()
    if publication is None:
        raise Http404(ERR_NOTHING_PUBLISHED)
    if name not in PUBLISHED_FILES:
        raise Http404(ERR_NO_SUCH_FILE)
    read, content_type = PUBLISHED_FILES[name]
    content = read(publication)
    if content is None:
        raise Http404(ERR_NO_SUCH_FILE)
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(content, content_type=content_type)
        disposition = "attachment" if name.endswith((".sig", ".pem")) else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=FILE_MAX_AGE_SECONDS)
    return response
