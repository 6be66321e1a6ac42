"""Form fields shared by the admin and the pages."""

from __future__ import annotations

import orjson
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from lawreq.nesting import nesting_exceeds
from lawreq.parsers import ERR_JSON_TOO_DEEP

ERR_JSON_INVALID = "Enter valid JSON."


class DepthLimitedJSONField(forms.JSONField):
    """Django's JSON form field parses with the recursive ``json`` module (a RecursionError, so a
    500, on a thousand nested brackets): here orjson, then the depth limit of the API's parser."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ValidationError(ERR_JSON_INVALID, code="invalid")
        if nesting_exceeds(parsed, settings.LAWREQ_MAX_JSON_DEPTH):
            raise ValidationError(ERR_JSON_TOO_DEEP.format(limit=settings.LAWREQ_MAX_JSON_DEPTH), code="invalid")
        return parsed

    def bound_data(self, data, initial):
        # The form shown again with its error parses the input once more: the same way.
        if self.disabled or data is None or not isinstance(data, str):
            return super().bound_data(data, initial)
        try:
            return self.to_python(data)
        except ValidationError:
            return InvalidJSONInput(data)
