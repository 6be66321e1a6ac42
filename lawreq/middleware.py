from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

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
            return JsonResponse({"detail": f"The request body is larger than the limit of {limit} bytes."}, status=413)
        return self.get_response(request)
