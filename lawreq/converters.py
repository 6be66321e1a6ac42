"""Request references in URLs. A path segment that is not a reference (``LR-YYYY-NNNNNN``) matches no
view, so nothing malformed (a NUL byte, a megabyte of text) ever reaches a query."""

from __future__ import annotations

from django.urls import register_converter

REF_REGEX = r"LR-\d{4}-\d{6}"
# The path segment of a request reference: ``path(f"api/v1/requests/{REF}/checks/", ...)``.
REF = "<ref:ref>"


class RequestRefConverter:
    regex = REF_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RequestRefConverter, "ref")
