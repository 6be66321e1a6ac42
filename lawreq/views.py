"""Error pages: under /api/ every error is JSON, as a client of the API expects; elsewhere HTML."""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults

from lawreq.middleware import API_PREFIX, database_error_in_flight, database_unavailable

NOT_FOUND = "Not found."
SERVER_ERROR = "Server error."


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    # A middleware that lost the database (the session, the log-in) fails before any view could answer.
    error = database_error_in_flight()
    if error is not None:
        return database_unavailable(request, error)
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)
