"""Money, numbers and dates as the shop reads them, with babel.

* the currency is the tenant's (``Tenant.currency``), with the currency's own decimals;
* the locale is the active language with the territory of the shop's time zone (``en`` in
  ``Africa/Accra`` reads as ``en_GH``: GH₵1,234.50; ``fr`` in ``Africa/Abidjan`` as ``fr_CI``),
  falling back to the language alone when CLDR has no such locale;
* times are shown in the shop's time zone (``Tenant.timezone``), the zone the reports use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_datetime, format_skeleton, format_time, match_skeleton
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import timezone, translation

from pos_platform.db import connection
from tenant_apps.shop.services import shop_timezone


@lru_cache(maxsize=512)
def _locale(language: str, zone: str) -> Locale:
    language = language.replace("-", "_").split("_")[0] or "en"
    territory = get_global("zone_territories").get(zone)
    if territory:
        try:
            return Locale.parse(f"{language}_{territory}")
        except (UnknownLocaleError, ValueError):
            pass
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def shop_locale() -> Locale:
    return _locale(translation.get_language() or settings.LANGUAGE_CODE, str(shop_timezone()))


def shop_currency() -> str:
    return getattr(getattr(connection, "tenant", None), "currency", None) or "GHS"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return None


def money(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    return format_currency(amount, shop_currency(), locale=shop_locale())


def number(value: Any) -> str:
    """A quantity or count: grouped, without needless trailing zeros (2.000 -> 2, 1.250 -> 1.25)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return format_decimal(amount, locale=shop_locale())


def percent(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    return format_percent(amount / 100, format="#,##0.##%", locale=shop_locale())


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, shop_timezone()) if timezone.is_aware(value) else value


@lru_cache(maxsize=512)
def _when_pattern(locale: Locale, skeleton: str) -> str:
    """The locale's pattern of a short date of ``skeleton`` and a short time. CLDR's skeletons are
    a date's or a time's; the locale's short date-time pattern joins the two. Found once per
    locale: matching a skeleton costs several times the formatting itself (a list of sales
    formats one moment per row)."""
    if skeleton not in locale.datetime_skeletons:
        skeleton = match_skeleton(skeleton, locale.datetime_skeletons) or skeleton
    date_part = locale.datetime_skeletons[skeleton].pattern
    time_part = locale.time_formats["short"].pattern
    return str(locale.datetime_formats["short"]).replace("{1}", date_part).replace("{0}", time_part)


def when(value: Any) -> str:
    """A moment: day, month and time (``2 Dec, 14:05``), with the year when not this year."""
    if not isinstance(value, dt.datetime):
        return ""
    local = _local(value)
    locale = shop_locale()
    skeleton = "MMMd" if local.year == timezone.localtime(timezone.now(), shop_timezone()).year else "yMMMd"
    return format_datetime(local, _when_pattern(locale, skeleton), locale=locale)


def day(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    if not isinstance(value, dt.date):
        return ""
    return format_date(value, format="medium", locale=shop_locale())


def weekday(value: Any) -> str:
    """A day with its weekday (``Tue 2 Dec``): chart labels, report titles."""
    if not isinstance(value, dt.date):
        return ""
    return format_skeleton("MMMEd", value, locale=shop_locale())


def clock(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return format_time(_local(value), format="short", locale=shop_locale())


def full_when(value: Any) -> str:
    """Date and time in full, for receipts and the audit of a sale."""
    if not isinstance(value, dt.datetime):
        return ""
    return format_datetime(_local(value), format="medium", locale=shop_locale())
