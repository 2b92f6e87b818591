"""A shop's country, currency and time zone: checked against CLDR (Babel) and the IANA time zone
database, and the currency and zone a country implies when they are not given."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies, list_currencies
from django.utils.translation import gettext_noop

from shared_apps.tenants.errors import CountryInvalid, CurrencyInvalid, TimeZoneInvalid

DEFAULT_COUNTRY, DEFAULT_CURRENCY, DEFAULT_TIME_ZONE = "GH", "GHS", "Africa/Accra"
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    codes = (str(c) for c in Locale("en").territories)
    return frozenset(c for c in codes if _COUNTRY.match(c) and c not in ("ZZ", "EU", "UN"))


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def country_check(code: str) -> str:
    value = (code or "").strip().upper()
    if value not in _countries():
        raise CountryInvalid(details={"country": code})
    return value


def currency_check(code: str) -> str:
    value = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value) or value not in list_currencies():
        raise CurrencyInvalid(details={"currency": code})
    if get_currency_precision(value) > 2:
        raise CurrencyInvalid(
            gettext_noop("Currencies with more than two decimals are not supported."),
            details={"currency": value},
        )
    return value


def time_zone_check(name: str) -> str:
    value = (name or "").strip()
    if value not in _zones():
        raise TimeZoneInvalid(details={"timezone": name})
    return value


def minor_unit_of(currency: str) -> int:
    """Decimals of the currency's minor unit (GHS 2, UGX 0, XOF 0)."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True)
class Locality:
    country: str
    currency: str
    time_zone: str


def locality_for(
    *, country: str | None = None, currency: str | None = None, time_zone: str | None = None
) -> Locality:
    """The country (default Ghana), and the currency and time zone given or, when not, the
    country's own (its legal tender today, its first CLDR zone)."""
    country = country_check(country) if country else DEFAULT_COUNTRY
    if currency:
        currency = currency_check(currency)
    else:
        tender = get_territory_currencies(country, dt.date.today(), tender=True)
        if not tender:
            raise CurrencyInvalid(
                gettext_noop("No currency is known for %(country)s; give one."),
                details={"country": country},
                params={"country": country},
            )
        currency = currency_check(tender[0])
    if time_zone:
        time_zone = time_zone_check(time_zone)
    else:
        zones = get_global("territory_zones").get(country) or []
        if not zones:
            raise TimeZoneInvalid(
                gettext_noop("No time zone is known for %(country)s; give one."),
                details={"country": country},
                params={"country": country},
            )
        time_zone = time_zone_check(zones[0])
    return Locality(country=country, currency=currency, time_zone=time_zone)
