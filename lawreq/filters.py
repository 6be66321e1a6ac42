"""Query-string filters shared by every API list: a date-time that cannot be expressed in UTC (the
last day of year 9999 at -23:59, the first of year 1 at +14:00) is a 400, not an OverflowError."""

from __future__ import annotations

import datetime as dt
from copy import deepcopy

import django_filters
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

ERR_DATETIME_OUT_OF_RANGE = "Date-time out of range: it must fall between years 1 and 9999 in UTC."


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None:
            try:
                parsed.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError(ERR_DATETIME_OUT_OF_RANGE, code="out_of_range")
        return parsed


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class FilterSet(django_filters.FilterSet):
    """The base of every filter set: date-time fields, declared or generated, filter on
    ``IsoDateTimeFilter`` above."""

    FILTER_DEFAULTS = deepcopy(django_filters.FilterSet.FILTER_DEFAULTS)
    FILTER_DEFAULTS[models.DateTimeField] = {"filter_class": IsoDateTimeFilter}


class FilterBackend(DjangoFilterBackend):
    """The API's filter backend: a view that lists ``filterset_fields`` gets a ``FilterSet`` above."""

    filterset_base = FilterSet
