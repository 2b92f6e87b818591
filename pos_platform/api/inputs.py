"""What every API view accepts: request bodies without unknown fields, query parameters checked
for type and range, and pages of lists.

* :class:`InputSerializer` is the base of every request-body serializer. A field it does not
  declare, at any depth (``lines[0].colour``), answers ``400 field_unknown`` naming the field,
  before any other check: a typo never silently does nothing.
* :class:`QuerySerializer` is the base of every query-string serializer. A view names its own per
  HTTP method (``query = {"GET": ProductQuery}``); :class:`pos_platform.api.views.ApiView`
  validates it before the handler runs (``400 query_invalid`` naming the parameter) and the
  OpenAPI schema lists the same parameters (:mod:`pos_platform.api.schema`).
* :class:`PageQuery` adds ``limit`` and ``offset``; :func:`page_of` is the schema of a page,
  ``{count, next, previous, results}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

from django.utils.translation import gettext_noop
from rest_framework import serializers
from rest_framework.fields import Field

from pos_platform.kernel.errors import ValidationFailed

# PostgreSQL keeps UTC offsets within +-15:59; Python would take up to +-23:59.
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)
PAGE_SIZE = 50
PAGE_MAX = 500
OFFSET_MAX = 1_000_000_000


def _unknown_fields(field: Field, data: Any, path: str) -> list[str]:
    """Paths of the keys of ``data`` that ``field`` (a serializer, possibly nested) does not take."""
    child = getattr(field, "child", None)
    listed = isinstance(field, serializers.ListSerializer) or (
        isinstance(field, serializers.ListField) and isinstance(child, serializers.Serializer)
    )
    if listed:
        if not isinstance(data, list) or child is None:
            return []
        return [p for i, item in enumerate(data) for p in _unknown_fields(child, item, f"{path}[{i}]")]
    if isinstance(field, serializers.Serializer) and isinstance(data, Mapping):
        found = []
        fields = field.fields
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            declared = fields.get(key)
            if declared is None or declared.read_only:
                found.append(where)
            else:
                found.extend(_unknown_fields(declared, value, where))
        return found
    return []


class InputSerializer(serializers.Serializer):
    """A request body: only declared fields are accepted, at every depth of nesting (nested
    serializers need not derive from this class: the top one checks the whole document)."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if self.parent is None and data is not serializers.empty:
            unknown = _unknown_fields(self, data, "")
            if unknown:
                raise ValidationFailed(
                    gettext_noop("Unknown field %(unknown)s; remove it (see the API schema for the fields)."),
                    code="field_unknown",
                    details={"field": unknown[0], "fields": unknown},
                    params={"unknown": unknown[0]},
                )
        return super().run_validation(data)


class DateTimeParam(serializers.DateTimeField):
    """An ISO 8601 date-time whose UTC offset PostgreSQL can hold (within +-15:59)."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise serializers.ValidationError("The UTC offset must be within -15:59 and +15:59.")
        return super().enforce_timezone(value)


class QuerySerializer(serializers.Serializer):
    """Query parameters of one endpoint and method. Parameters it does not declare are ignored
    (caches and tools add their own); declared ones are checked and converted. A bad value
    answers ``400 query_invalid``, or the code ``error_codes`` names for that parameter (kept
    where a protocol documented its own before)."""

    error_codes: ClassVar[dict[str, str]] = {}


class PageQuery(QuerySerializer):
    limit = serializers.IntegerField(
        required=False, default=PAGE_SIZE, min_value=1, max_value=PAGE_MAX, help_text="Page size."
    )
    offset = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=OFFSET_MAX, help_text="Items to skip."
    )


class _Page(serializers.Serializer):
    count = serializers.IntegerField(help_text="Items in all pages.")
    next = serializers.URLField(allow_null=True, help_text="The next page, null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, null on the first.")


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The serializer (and schema component ``Paginated<Item>List``) of a page of ``item``."""
    name = item.__name__.removesuffix("Output").removesuffix("Serializer").lstrip("_")
    return type(
        f"Paginated{name}List",
        (_Page,),
        {"results": item(many=True), "__module__": item.__module__},
    )
