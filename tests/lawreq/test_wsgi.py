"""What reaches the WSGI application before Django has built a request."""

from __future__ import annotations

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest

from lawreq.middleware import ERR_MALFORMED_CONTENT_TYPE
from lawreq.wsgi import application

pytestmark = pytest.mark.django_db


def _post_token(content_type: str) -> tuple[str, bytes]:
    body = b"{}"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/auth/token/",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    answered = {}

    def start_response(status, headers):
        answered["status"] = status

    content = b"".join(application(environ, start_response))
    return answered["status"], content


def test_a_nul_in_the_content_type_charset_is_a_json_400():
    status, body = _post_token("application/json; charset=\x00")

    assert status.startswith("400")
    assert json.loads(body) == {"detail": ERR_MALFORMED_CONTENT_TYPE}


def test_an_ordinary_content_type_reaches_the_api():
    status, body = _post_token("application/json; charset=utf-8")

    assert status.startswith("400")  # the API's own answer: username and password are missing
    assert "username" in json.loads(body)
