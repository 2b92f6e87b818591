"""Pages of a list without counting it: a page reads one row more than it shows to know whether
another follows, so that a page costs the same whatever the size of the list (a count of a
year's sales would not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass
class Page:
    items: list[Any]
    number: int
    has_next: bool
    query: QueryDict

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def _url(self, number: int) -> str:
        query = self.query.copy()
        if number > 1:
            query["page"] = str(number)
        else:
            query.pop("page", None)
        encoded = query.urlencode()
        return f"?{encoded}" if encoded else "?"

    @property
    def next_url(self) -> str:
        return self._url(self.number + 1)

    @property
    def previous_url(self) -> str:
        return self._url(self.number - 1)


def page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], *, per_page: int = PER_PAGE) -> Page:
    """``rows`` is a queryset (sliced here, one query) or a list."""
    number = page_number(request)
    start = (number - 1) * per_page
    items = list(rows[start : start + per_page + 1])
    return Page(items=items[:per_page], number=number, has_next=len(items) > per_page, query=request.GET)
