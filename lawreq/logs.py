"""Logs: one request id per request, in every line it causes, JSON in production mode.

The id comes from the client or the proxy (``X-Request-ID``, when it looks like an id) or is made
here; it is answered in the same header, and travels with the Celery tasks the request enqueues
(``lawreq.celery``), so one id finds the web line and the worker's lines alike.

What is logged never holds personal data: messages name references and counts, never a target, an
address or a username (tests/lawreq/test_logs.py walks a whole journey to check it).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# What an id from outside may look like: a proxy's or a client's own, never text that would forge
# another log line or carry data.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
NO_REQUEST = "-"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("lawreq_request_id", default=NO_REQUEST)


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(candidate: str | None) -> str:
    return candidate if candidate and _VALID_ID.match(candidate) else request_id_new()


class RequestIdMiddleware:
    """First of all middleware: every later line of the request carries its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_accept(request.META.get(_META_KEY))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (``-`` outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# A record's standard attributes; anything else was passed in ``extra`` and is logged as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}
_TASK_ARGUMENTS = {"args", "kwargs", "return_value"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if isinstance(line.get("data"), dict):
            # Celery's task lines: ids and names stay; the arguments are left out, whatever they hold.
            line["data"] = {k: v for k, v in line["data"].items() if k not in _TASK_ARGUMENTS}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, json_lines: bool, level: str) -> dict:
    """The LOGGING setting: JSON lines in production mode, readable text otherwise."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "json" if json_lines else "text",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Request bodies and query strings may carry personal data: Django's request logger logs
        # paths only at ERROR; keep it there.
        "loggers": {
            "django.request": {"level": "ERROR"},
            # The development server logs each request line, query string included (?target= names a
            # phone number): only its warnings and errors.
            "django.server": {"level": "WARNING"},
        },
    }
