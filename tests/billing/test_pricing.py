"""The money arithmetic: the acceptance vector, half-up rounding on awkward amounts, tier prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_apps.billing.errors import AmountInvalid, CurrencyInvalid
from shared_apps.billing.pricing import (
    breakdown,
    parse_amount,
    tier_for,
    tier_price,
    to_minor,
    validate_currency,
)


@dataclass
class Rate:
    code: str
    name: str
    kind: str
    rate: Decimal


@dataclass
class Tier:
    currency: str
    min_storefronts: int
    max_storefronts: int | None
    base_price: Decimal
    price_per_additional: Decimal


GHANA = [
    Rate("vat", "VAT", "tax", Decimal("15")),
    Rate("nhil", "NHIL", "tax", Decimal("2.5")),
    Rate("getfund", "GETFund", "tax", Decimal("2.5")),
    Rate("covid19", "COVID-19 levy", "tax", Decimal("1")),
    Rate("gateway", "Gateway", "service_charge", Decimal("2")),
]


def test_acceptance_vector_each_rate_on_the_base_and_the_gateway_charge_on_the_base() -> None:
    result = breakdown(base=Decimal("180.00"), rates=GHANA, currency="GHS")

    assert [(line.code, line.amount) for line in result.taxes] == [
        ("vat", Decimal("27.00")),
        ("nhil", Decimal("4.50")),
        ("getfund", Decimal("4.50")),
        ("covid19", Decimal("1.80")),
    ]
    assert [(line.code, line.amount) for line in result.charges] == [("gateway", Decimal("3.60"))]
    assert result.tax_amount == Decimal("37.80")
    assert result.charge_amount == Decimal("3.60")
    assert result.total == Decimal("221.40")
    assert str(result.total) == "221.40"


@pytest.mark.parametrize(
    ("currency", "base", "percent", "expected"),
    [
        ("GHS", "0.30", "15", "0.05"),  # 0.045: half up, not half even (0.04)
        ("GHS", "10.10", "2.5", "0.25"),  # 0.2525
        ("GHS", "10.30", "2.5", "0.26"),  # 0.2575
        ("GHS", "0.50", "1", "0.01"),  # 0.005
        ("GHS", "33.33", "15", "5.00"),  # 4.9995
        ("GHS", "99.99", "2", "2.00"),  # 1.9998
        ("GHS", "0.01", "2.5", "0.00"),  # 0.00025
        ("GHS", "0.02", "2.5", "0.00"),  # 0.0005
        ("GHS", "0.20", "2.5", "0.01"),  # 0.005
        ("UGX", "1220", "2.5", "31"),  # 30.5, no minor unit: half up to 31
        ("UGX", "1250", "2.5", "31"),  # 31.25
    ],
)
def test_each_line_is_rounded_half_up_to_the_minor_unit(
    currency: str, base: str, percent: str, expected: str
) -> None:
    result = breakdown(base=Decimal(base), rates=[Rate("x", "X", "tax", Decimal(percent))], currency=currency)

    assert [str(line.amount) for line in result.taxes] == [expected]
    assert result.total == Decimal(base) + Decimal(expected)


def test_a_rate_of_zero_is_left_off_the_invoice() -> None:
    rates = [Rate("vat", "VAT", "tax", Decimal("15")), Rate("covid19", "COVID-19", "tax", Decimal("0"))]

    result = breakdown(base=Decimal("100.00"), rates=rates, currency="GHS")

    assert [line.code for line in result.taxes] == ["vat"]
    assert result.total == Decimal("115.00")


@settings(max_examples=60, deadline=None)
@given(
    base=st.decimals(min_value=0, max_value=1_000_000, places=2),
    percents=st.lists(st.decimals(min_value=0, max_value=100, places=4), min_size=0, max_size=6),
)
def test_total_is_the_sum_of_lines_each_within_half_a_pesewa(base: Decimal, percents: list[Decimal]) -> None:
    rates = [Rate(f"r{i}", "R", "tax" if i % 2 else "service_charge", p) for i, p in enumerate(percents)]

    result = breakdown(base=base, rates=rates, currency="GHS")

    lines = [*result.taxes, *result.charges]
    assert result.total == result.base + sum((line.amount for line in lines), Decimal(0))
    for line in lines:
        exact = base * line.rate / 100
        assert line.amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert abs(line.amount - exact) <= Decimal("0.005")
        assert line.amount.as_tuple().exponent == -2


def test_tier_price_is_the_base_up_to_the_minimum_then_per_additional_storefront() -> None:
    tier = Tier("GHS", 4, 10, Decimal("300.00"), Decimal("50.00"))

    assert tier_price(tier, 1) == Decimal("300.00")
    assert tier_price(tier, 4) == Decimal("300.00")
    assert tier_price(tier, 5) == Decimal("350.00")
    assert tier_price(tier, 10) == Decimal("600.00")


def test_tier_for_picks_the_covering_tier_and_prices_no_storefront_as_one() -> None:
    low = Tier("GHS", 1, 3, Decimal("180.00"), Decimal("60.00"))
    high = Tier("GHS", 4, None, Decimal("300.00"), Decimal("50.00"))

    assert tier_for([low, high], 0) is low
    assert tier_for([low, high], 3) is low
    assert tier_for([low, high], 4) is high
    assert tier_for([low, high], 10_000) is high
    assert tier_for([low], 4) is None


@pytest.mark.parametrize(
    ("currency", "amount", "minor"), [("GHS", "221.40", 22140), ("GHS", "0.05", 5), ("UGX", "5000", 5000)]
)
def test_amounts_in_the_minor_unit(currency: str, amount: str, minor: int) -> None:
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    "value", ["180.001", "-1", "abc", "NaN", "Infinity", "", 1.5, True, "1e12", "1e30", "-Infinity"]
)
def test_parse_amount_refuses_what_it_would_have_to_round_or_guess(value: object) -> None:
    with pytest.raises(AmountInvalid):
        parse_amount(value, "GHS")


def test_parse_amount_keeps_the_minor_unit() -> None:
    assert str(parse_amount("180", "GHS")) == "180.00"
    assert str(parse_amount(" 0.5 ", "GHS")) == "0.50"
    assert str(parse_amount("5000", "UGX")) == "5000"
    assert str(parse_amount("-0", "GHS")) == "0.00"
    with pytest.raises(AmountInvalid):
        parse_amount("5000.50", "UGX")


@pytest.mark.parametrize("code", ["", "GH", "ghs1", "ABC", "KWD"])
def test_currencies_must_be_known_with_at_most_two_decimals(code: str) -> None:
    with pytest.raises(CurrencyInvalid):
        validate_currency(code)


def test_currency_codes_are_normalised() -> None:
    assert validate_currency(" ghs ") == "GHS"
