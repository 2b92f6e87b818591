"""The pure money rules: per-line tax rounding, inclusive and exclusive prices, compound levies,
sale discount allocation, refund proration. No database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenant_apps.sales.pricing import (
    DiscountTooLarge,
    LineInput,
    TaxAmount,
    TaxRule,
    allocate,
    price_sale,
    refund_share,
)

GHANA = (
    TaxRule("NHIL", "NHIL", D("2.5"), position=1),
    TaxRule("GETFUND", "GETFund", D("2.5"), position=2),
    TaxRule("COVID", "COVID", D("1"), position=3),
    TaxRule("VAT", "VAT", D("15"), compound=True, position=4),
)
SINGLE_VAT = (TaxRule("VAT", "VAT", D("16")),)


def test_ghana_levies_tax_exclusive_match_the_published_worked_example() -> None:
    # GRA's worked example: 100.00 -> levies 6.00, VAT 15 % of 106.00 = 15.90, total 121.90.
    totals = price_sale(
        lines=[LineInput(unit_price=D("100.00"), quantity=D(1), tax_category="STD")],
        rates={"STD": GHANA},
        prices_include_tax=False,
        minor_unit=2,
    )

    assert [(t.code, t.base, t.amount) for t in totals.taxes] == [
        ("NHIL", D("100.00"), D("2.50")),
        ("GETFUND", D("100.00"), D("2.50")),
        ("COVID", D("100.00"), D("1.00")),
        ("VAT", D("106.00"), D("15.90")),
    ]
    assert (totals.net_total, totals.tax_total, totals.total) == (D("100.00"), D("21.90"), D("121.90"))


def test_tax_inclusive_price_is_what_the_customer_pays_and_splits_exactly() -> None:
    totals = price_sale(
        lines=[LineInput(unit_price=D("25.00"), quantity=D(2), tax_category="STD")],
        rates={"STD": GHANA},
        prices_include_tax=True,
        minor_unit=2,
    )

    assert totals.total == D("50.00")
    assert totals.net_total == D("41.02")  # 50 / 1.219, rounded half-up
    assert totals.net_total + totals.tax_total == totals.total
    # The rounding difference (one cent) went to the largest tax, VAT.
    assert [t.amount for t in totals.taxes] == [D("1.03"), D("1.03"), D("0.41"), D("6.51")]


def test_single_vat_configuration() -> None:
    totals = price_sale(
        lines=[LineInput(unit_price=D("116.00"), quantity=D(1), tax_category="V")],
        rates={"V": SINGLE_VAT},
        prices_include_tax=True,
        minor_unit=2,
    )

    assert (totals.net_total, totals.tax_total) == (D("100.00"), D("16.00"))
    assert totals.taxes == (TaxAmount("VAT", "VAT", D("16"), False, D("100.00"), D("16.00")),)


def test_tax_is_rounded_per_line_and_the_sale_sums_its_lines() -> None:
    # Three lines of 0.10 at 16 %: per line 0.016 -> 0.02, so the sale's VAT is 0.06 (not 0.05).
    totals = price_sale(
        lines=[LineInput(unit_price=D("0.10"), quantity=D(1), tax_category="V")] * 3,
        rates={"V": SINGLE_VAT},
        prices_include_tax=False,
        minor_unit=2,
    )

    assert [line.tax for line in totals.lines] == [D("0.02")] * 3
    assert totals.tax_total == D("0.06")


def test_untaxed_and_unknown_categories_have_no_tax() -> None:
    totals = price_sale(
        lines=[
            LineInput(unit_price=D("3.00"), quantity=D(1), tax_category=None),
            LineInput(unit_price=D("3.00"), quantity=D(1), tax_category="EXEMPT"),
        ],
        rates={},
        prices_include_tax=True,
        minor_unit=2,
    )

    assert (totals.net_total, totals.tax_total, totals.total) == (D("6.00"), D(0), D("6.00"))


def test_discounts_come_off_before_tax_and_the_sale_discount_is_shared_exactly() -> None:
    totals = price_sale(
        lines=[
            LineInput(unit_price=D("10.00"), quantity=D(1), discount=D("1.00"), tax_category="V"),
            LineInput(unit_price=D("20.00"), quantity=D(1), tax_category="V"),
        ],
        rates={"V": SINGLE_VAT},
        sale_discount=D("1.00"),
        prices_include_tax=False,
        minor_unit=2,
    )

    assert [line.sale_discount_share for line in totals.lines] == [D("0.31"), D("0.69")]
    assert totals.discount_total == D("2.00")
    assert totals.net_total == D("28.00")
    assert totals.total == D("28.00") + totals.tax_total


def test_minor_unit_zero_rounds_to_whole_units() -> None:
    totals = price_sale(
        lines=[LineInput(unit_price=D("1500"), quantity=D("1.5"), tax_category="V")],
        rates={"V": (TaxRule("VAT", "VAT", D("18")),)},
        prices_include_tax=False,
        minor_unit=0,
    )

    assert (totals.subtotal, totals.tax_total, totals.total) == (D("2250"), D("405"), D("2655"))


@pytest.mark.parametrize(
    ("line_discount", "sale_discount"), [(D("10.01"), D(0)), (D(0), D("10.01"))], ids=["line", "sale"]
)
def test_a_discount_larger_than_its_amount_is_refused(line_discount: D, sale_discount: D) -> None:
    with pytest.raises(DiscountTooLarge):
        price_sale(
            lines=[LineInput(unit_price=D("10.00"), quantity=D(1), discount=line_discount)],
            rates={},
            sale_discount=sale_discount,
            prices_include_tax=True,
            minor_unit=2,
        )


money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
quantity = st.decimals(min_value=D("0.001"), max_value=D("50"), places=3)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.tuples(money, quantity, st.sampled_from(["STD", "V", None])), min_size=1, max_size=6),
    inclusive=st.booleans(),
    discount_share=st.decimals(min_value=D(0), max_value=D(1), places=2),
)
def test_totals_always_add_up(
    lines: list[tuple[D, D, str | None]], inclusive: bool, discount_share: D
) -> None:
    inputs = [LineInput(unit_price=p, quantity=q, tax_category=c) for p, q, c in lines]
    gross = sum((round(p * q, 2) for p, q, _ in lines), D(0))
    discount = (gross * discount_share).quantize(D("0.01"), rounding="ROUND_DOWN")

    totals = price_sale(
        lines=inputs,
        rates={"STD": GHANA, "V": SINGLE_VAT},
        sale_discount=discount,
        prices_include_tax=inclusive,
        minor_unit=2,
    )

    assert totals.total == totals.net_total + totals.tax_total
    assert totals.tax_total == sum((t.amount for t in totals.taxes), D(0))
    assert sum((line.sale_discount_share for line in totals.lines), D(0)) == discount
    if inclusive:
        assert totals.total == totals.subtotal - totals.discount_total
    else:
        assert totals.total == totals.subtotal - totals.discount_total + totals.tax_total
    for line in totals.lines:
        assert line.total == line.net + line.tax
        assert line.tax >= 0
        assert line.net >= 0
        assert all(amount.as_tuple().exponent >= -2 for amount in (line.net, line.tax, line.total))


@settings(max_examples=100, deadline=None)
@given(amount=money, weights=st.lists(money, min_size=1, max_size=8))
def test_allocation_adds_up_and_stays_proportional(amount: D, weights: list[D]) -> None:
    shares = allocate(amount, weights, 2)

    assert sum(shares, D(0)) == amount
    total = sum(weights, D(0))
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - amount * weight / total) < D("0.01")


@settings(max_examples=100, deadline=None)
@given(
    total=money,
    quantity=st.integers(min_value=1, max_value=12),
    steps=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12),
)
def test_refunds_never_exceed_the_line_and_a_full_refund_returns_it_exactly(
    total: D, quantity: int, steps: list[int]
) -> None:
    tax = (total * D("0.15")).quantize(D("0.01"))
    taxes = (TaxAmount("VAT", "VAT", D(15), False, total - tax, tax),)
    refunded_qty, refunded_total, refunded_tax = D(0), D(0), D(0)
    for step in steps:
        step_qty = min(D(step), D(quantity) - refunded_qty)
        if step_qty <= 0:
            break
        share = refund_share(
            line_quantity=D(quantity),
            line_total=total,
            line_taxes=taxes,
            refunded_before=refunded_qty,
            quantity=step_qty,
            minor_unit=2,
        )
        assert share.total == share.net + share.tax
        refunded_qty += step_qty
        refunded_total += share.total
        refunded_tax += share.tax
        assert refunded_total <= total
        assert refunded_tax <= tax
    if refunded_qty == quantity:
        assert (refunded_total, refunded_tax) == (total, tax)
