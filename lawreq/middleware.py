from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

# The API's description carries no personal data; every other answer under /api/ may.
API_PREFIX = "/api/"
PUBLIC_API_PATHS = ("/api/schema/", "/api/docs/")
MAX_JSON_BODY_BYTES = 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class BodySizeLimitMiddleware:
    """Refuse oversized bodies from their declared length, before anything reads or parses them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length."}, status=400)
        is_upload = request.content_type == "multipart/form-data"
        limit = settings.LAWREQ_MAX_DOCUMENT_BYTES + MULTIPART_OVERHEAD_BYTES if is_upload else MAX_JSON_BODY_BYTES
        if length > limit:
            from lawreq.views import too_large  # the error pages import this module

            return too_large(request, limit)
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (and ``Pragma: no-cache`` for old proxies) on every API answer but
    the schema and its docs, and on every page shown to a logged-in user: what carries personal data
    is kept by no browser cache or shared proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        is_api = request.path.startswith(API_PREFIX) and not request.path.startswith(PUBLIC_API_PATHS)
        if is_api or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response


ERR_MALFORMED_CONTENT_TYPE = "Malformed Content-Type header."
_CONTROL_CHARACTERS = frozenset(chr(code) for code in [*range(32), 127])


def refuse_malformed_headers(application):
    """WSGI wrapper: a Content-Type with control characters (a NUL in its charset) makes Django fail
    while it builds the request, before any middleware could answer; refuse it first, in JSON."""

    def guarded(environ, start_response):
        if _CONTROL_CHARACTERS.intersection(environ.get("CONTENT_TYPE", "")):
            body = b'{"detail": "' + ERR_MALFORMED_CONTENT_TYPE.encode() + b'"}'
            start_response(
                "400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return application(environ, start_response)

    return guarded
