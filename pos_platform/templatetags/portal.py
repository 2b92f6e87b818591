"""Template filters and tags of the back office: ``{% load portal %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

from pos_platform.portal import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("number", formatting.number)
register.filter("percent", formatting.percent)
register.filter("when", formatting.when)
register.filter("day", formatting.day)
register.filter("weekday", formatting.weekday)
register.filter("clock", formatting.clock)
register.filter("full_when", formatting.full_when)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``mapping|get:key``: a dict entry in a template."""
    try:
        value = mapping.get(key)
        return mapping.get(str(key)) if value is None and key is not None else value
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def query(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters changed (``None`` or "" removes one), for
    links that keep the filters: ``{% query period="7d" page=None %}``."""
    request = context.get("request")
    params: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    params.pop("page", None) if "page" not in changes else None
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
