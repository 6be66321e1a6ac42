"""The API's JSON parser (``DEFAULT_PARSER_CLASSES``)."""

from __future__ import annotations

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from lawreq.nesting import nesting_exceeds

ERR_JSON_MALFORMED = "JSON parse error: {problem}"
ERR_JSON_TOO_DEEP = "The JSON body nests deeper than {limit} levels."


class DepthLimitedJSONParser(JSONParser):
    """JSON bodies parsed by orjson (no recursion in Python; its own hard limit is 1024 levels), then
    refused with 400 when they nest deeper than ``LAWREQ_MAX_JSON_DEPTH``, before any serializer,
    validator or audit entry walks them recursively."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ParseError(ERR_JSON_MALFORMED.format(problem=exc))
        limit = settings.LAWREQ_MAX_JSON_DEPTH
        if nesting_exceeds(data, limit):
            raise ParseError(ERR_JSON_TOO_DEEP.format(limit=limit))
        return data
