"""Money and quantities: Decimal everywhere, rounded half-up to the tenant's minor unit.

Pure Python (no Django): the pricing module and the offline sync engine both build on it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
# Largest amount or quantity accepted anywhere (columns are numeric(14, 2) / numeric(14, 3)).
MONEY_MAX = Decimal("999999999.99")
QUANTITY_MAX = Decimal("100000")
QUANTITY_PLACES = 3
# Minor units the stored columns can hold (two decimals): 0 (UGX, RWF, XOF), 1, 2 (GHS, KES, NGN).
MINOR_UNITS = (0, 1, 2)

_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 5)}


def quantize(amount: Decimal, minor_unit: int) -> Decimal:
    """Round half-up to ``minor_unit`` decimals (2 -> cents)."""
    return amount.quantize(_EXPONENTS[minor_unit], rounding=ROUND_HALF_UP)


def has_places(value: Decimal, places: int) -> bool:
    """True if ``value`` has at most ``places`` decimals (trailing zeros do not count)."""
    if not value.is_finite():
        return False
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= places
