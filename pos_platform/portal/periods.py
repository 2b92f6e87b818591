"""The periods a page's figures cover: presets (today, 7 days, 30 days, this month, ...) or two
shop days, each with the period before it of the same length for comparisons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenant_apps.shop.services import business_date

MAX_DAYS = 366
PRESETS: dict[str, Any] = {
    "today": _("Today"),
    "yesterday": _("Yesterday"),
    "7d": _("7 days"),
    "30d": _("30 days"),
    "month": _("This month"),
}


@dataclass(frozen=True)
class Period:
    key: str  # a preset, or "custom"
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> Any:
        return PRESETS.get(self.key, "")


def today() -> dt.date:
    return business_date(timezone.now())


def _preset(key: str, now: dt.date) -> Period:
    if key == "yesterday":
        day = now - dt.timedelta(days=1)
        return Period(key, day, day, day - dt.timedelta(days=1), day - dt.timedelta(days=1))
    if key in ("7d", "30d"):
        length = 7 if key == "7d" else 30
        start = now - dt.timedelta(days=length - 1)
        return Period(key, start, now, start - dt.timedelta(days=length), start - dt.timedelta(days=1))
    if key == "month":
        start = now.replace(day=1)
        last_end = start - dt.timedelta(days=1)
        last_start = last_end.replace(day=1)
        same_day = min(now.day, last_end.day)
        return Period(key, start, now, last_start, last_start.replace(day=same_day))
    yesterday = now - dt.timedelta(days=1)
    return Period("today", now, now, yesterday, yesterday)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def period_of(
    request: HttpRequest, *, default: str = "today", presets: tuple[str, ...] = tuple(PRESETS)
) -> Period:
    """``?period=7d``, or ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (at most a year; bad dates fall
    back to the default)."""
    now = today()
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start or end:
        end = end or now
        start = start or end
        if start <= end and (end - start).days < MAX_DAYS:
            length = (end - start).days + 1
            return Period(
                "custom", start, end, start - dt.timedelta(days=length), start - dt.timedelta(days=1)
            )
    key = request.GET.get("period", default)
    return _preset(key if key in presets else default, now)
