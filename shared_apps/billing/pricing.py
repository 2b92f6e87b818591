"""The money arithmetic of billing: pure functions on ``Decimal``, never float.

* Amounts are rounded to the currency's minor unit (ISO 4217 decimals, from CLDR through Babel:
  GHS 2, UGX 0) with ``ROUND_HALF_UP``.
* A tier's price for ``n`` storefronts is ``base`` at or below its minimum, else
  ``base + (n - minimum) x per_additional``.
* Every tax and service charge is a percentage **of the base amount** (taxes are not charged on
  each other, and the gateway's charge is not charged on taxes), rounded line by line; the total is
  the sum of the rounded lines, so the lines shown always add up to it. Base GHS 180.00, VAT 15 %,
  NHIL 2.5 %, GETFund 2.5 %, COVID-19 levy 1 % and a 2 % gateway charge give 27.00, 4.50, 4.50,
  1.80 and 3.60: 221.40.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Protocol

from babel.numbers import get_currency_precision, list_currencies
from django.utils.translation import gettext_noop

from pos_platform.kernel.money import ZERO, quantize
from shared_apps.billing.errors import AmountInvalid, CurrencyInvalid

HUNDRED = Decimal(100)
# The database keeps two decimals; currencies with more (KWD, ...) are not billed in.
MAX_DECIMALS = 2
ROUNDING = "ROUND_HALF_UP"


@lru_cache(maxsize=64)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def validate_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or code not in _known_currencies():
        raise CurrencyInvalid(details={"currency": code})
    if minor_unit(code) > MAX_DECIMALS:
        raise CurrencyInvalid(
            gettext_noop(
                "%(code)s has %(minor_unit)s decimal places; billing supports 0 to %(MAX_DECIMALS)s."
            ),
            details={"currency": code},
            params={"code": code, "minor_unit": minor_unit(code), "MAX_DECIMALS": MAX_DECIMALS},
        )
    return code


def minor_unit(currency: str) -> int:
    """Decimal places of the currency's minor unit (GHS 2, UGX 0)."""
    return int(get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    return quantize(amount, minor_unit(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """The amount in the currency's minor unit (pesewas for GHS), as payment providers count."""
    return int(round_money(amount, currency).scaleb(minor_unit(currency)))


def parse_amount(value: Any, currency: str, *, field: str = "amount") -> Decimal:
    """A non-negative amount with no more decimals than the currency has; refuses anything else
    (floats, NaN, infinities, exponents that hide decimals) rather than rounding it silently."""
    if isinstance(value, float | bool):
        raise AmountInvalid(details={field: str(value)})
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise AmountInvalid(details={field: str(value)}) from exc
    if amount.is_finite() and amount >= Decimal(10) ** 10:
        # Checked first: rounding a number this large would overflow the decimal context.
        raise AmountInvalid(
            gettext_noop("%(field)s is too large."), details={field: str(value)}, params={"field": field}
        )
    if not amount.is_finite() or amount < 0 or amount != round_money(amount, currency):
        raise AmountInvalid(
            gettext_noop("%(field)s must be a non-negative amount with at most %(minor_unit)s decimals."),
            details={field: str(value)},
            params={"field": field, "minor_unit": minor_unit(currency)},
        )
    # "-0" is zero, not a negative price.
    return round_money(amount.copy_abs(), currency)


class TierLike(Protocol):
    currency: str
    min_storefronts: int
    max_storefronts: int | None
    base_price: Decimal
    price_per_additional: Decimal


class RateLike(Protocol):
    code: str
    name: str
    kind: str
    rate: Decimal


def tier_covers(tier: TierLike, count: int) -> bool:
    """Whether the tier prices ``count`` storefronts. No storefront at all is priced as one: a
    tenant pays at least the lowest tier's base."""
    count = max(count, 1)
    return tier.min_storefronts <= count and (tier.max_storefronts is None or count <= tier.max_storefronts)


def tier_for(tiers: Iterable[TierLike], count: int) -> TierLike | None:
    return next((tier for tier in tiers if tier_covers(tier, count)), None)


def tier_price(tier: TierLike, count: int) -> Decimal:
    extra = max(count - tier.min_storefronts, 0)
    return round_money(tier.base_price + extra * tier.price_per_additional, tier.currency)


def tier_terms(tier: TierLike) -> dict[str, Any]:
    """The tier's configuration as invoices snapshot it."""
    return {
        "id": getattr(tier, "pk", None),
        "currency": tier.currency,
        "min_storefronts": tier.min_storefronts,
        "max_storefronts": tier.max_storefronts,
        "base_price": str(tier.base_price),
        "price_per_additional": str(tier.price_per_additional),
    }


def percent_text(rate: Decimal) -> str:
    """15.0000 -> "15", 2.5000 -> "2.5", 10 -> "10" (never "1E+1")."""
    return f"{rate.normalize():f}"


@dataclass(frozen=True)
class Line:
    code: str
    name: str
    kind: str
    rate: Decimal
    amount: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "rate_percent": percent_text(self.rate),
            "basis": "base_amount",
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class Breakdown:
    currency: str
    base: Decimal
    taxes: tuple[Line, ...]
    charges: tuple[Line, ...]

    @property
    def tax_amount(self) -> Decimal:
        return round_money(sum((line.amount for line in self.taxes), ZERO), self.currency)

    @property
    def charge_amount(self) -> Decimal:
        return round_money(sum((line.amount for line in self.charges), ZERO), self.currency)

    @property
    def total(self) -> Decimal:
        return self.base + self.tax_amount + self.charge_amount


def breakdown(*, base: Decimal, rates: Iterable[RateLike], currency: str) -> Breakdown:
    """Each rate applied to the base and rounded on its own; zero rates (a levy that ended) are left
    off. Lines keep the order of ``rates``."""
    base = round_money(base, currency)
    taxes: list[Line] = []
    charges: list[Line] = []
    for rate in rates:
        if rate.rate == 0:
            continue
        line = Line(
            code=rate.code,
            name=rate.name,
            kind=rate.kind,
            rate=rate.rate,
            amount=round_money(base * rate.rate / HUNDRED, currency),
        )
        (taxes if rate.kind == "tax" else charges).append(line)
    return Breakdown(currency=currency, base=base, taxes=tuple(taxes), charges=tuple(charges))
