"""API plumbing shared by every app: domain errors become DRF responses, never a 500; renderers for
the binary downloads. (The JSON parser is in ``lawreq.parsers``: DRF imports it while importing its views.)"""

from __future__ import annotations

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lawreq.errors import DomainError

_REFUSALS = (exceptions.NotAuthenticated, exceptions.AuthenticationFailed, exceptions.PermissionDenied)


def _refusal_first(exc, context):
    """DRF negotiates the content (``?format=``, ``Accept``) before it authenticates, so a client
    without credentials learnt of a bad format (400, 404, 406) where it must only learn that it
    needs credentials (found by fuzzing). When the view refuses this client anyway, that is the answer."""
    view, request = context.get("view"), context.get("request")
    if isinstance(exc, _REFUSALS) or view is None or request is None:
        return None
    try:
        if request.user.is_authenticated:
            return None
        view.check_permissions(request)
    except _REFUSALS as refusal:
        if isinstance(refusal, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            refusal.auth_header = view.get_authenticate_header(request)
            if not refusal.auth_header:  # as DRF's own handling: no scheme to ask for, 403
                refusal.status_code = status.HTTP_403_FORBIDDEN
        return drf_exception_handler(refusal, context)
    return None


def exception_handler(exc, context):
    refusal = _refusal_first(exc, context)
    if refusal is not None:
        return refusal
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


class BinaryRenderer(BaseRenderer):
    """A download's bytes as they are; anything else (an error body) as JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else orjson.dumps(data)


class PDFRenderer(BinaryRenderer):
    media_type = "application/pdf"
    format = "pdf"


class CSVRenderer(BinaryRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class JSONErrorsMixin:
    """For views that serve files: content negotiation accepts the file's type (``Accept:
    application/pdf`` is never 406), and an error is answered in JSON whatever was accepted."""

    def handle_exception(self, exc):
        if isinstance(getattr(self.request, "accepted_renderer", None), BinaryRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


PDF_DOWNLOAD_RENDERERS = [JSONRenderer, PDFRenderer]
