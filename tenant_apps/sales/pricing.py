"""The money of a sale, computed from its lines: pure, database-free, shared by online sales and
the offline sync engine.

Rules (see docs/pos.md, "Taxes and rounding"):

* Amounts are ``Decimal``, rounded half-up to the shop's minor unit.
* ``gross = round(unit_price x quantity)`` per line; the line discount comes off it.
* The sale discount is shared across lines in proportion to their amount after line discounts,
  rounded per line, the rounding remainder going to the lines with the largest fractional shares
  (ties to the earlier line), so that the shares add up to the sale discount exactly.
* Tax is computed **per line** and each line's tax per code is rounded on its own; the sale's tax
  per code is the sum of its lines'. A refund of a line can therefore return exactly that line's
  tax, and the sale's figures always add up: ``total = net + tax``.
* Non-compound rates are charged on the line's net amount; compound rates on the net amount plus
  the line's non-compound taxes (rounded), as Ghana's VAT is on top of NHIL and GETFund.
* Tax-exclusive prices: ``net`` is the discounted amount and the taxes are added to it.
  Tax-inclusive prices: the discounted amount is what the customer pays; ``net`` is that amount
  divided by the effective multiplier and rounded, the taxes are computed from ``net`` as above,
  and the rounding difference (at most a few minor units) is given to the line's largest tax so
  that ``net + taxes`` equals the amount charged exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import ValidationFailed
from pos_platform.kernel.money import ZERO, quantize

HUNDRED = Decimal(100)


class DiscountTooLarge(ValidationFailed):
    code = "discount_too_large"
    default_message = gettext_noop("A discount cannot exceed the amount it is taken from.")


@dataclass(frozen=True)
class TaxRule:
    """A tax rate in force: ``rate`` is a percentage (15 means 15 %)."""

    code: str
    name: str
    rate: Decimal
    compound: bool = False
    position: int = 0


@dataclass(frozen=True)
class LineInput:
    unit_price: Decimal
    quantity: Decimal
    discount: Decimal = ZERO
    # Key into the ``rates`` mapping given to :func:`price_sale` (a tax category id); None: untaxed.
    tax_category: Hashable | None = None


@dataclass(frozen=True)
class TaxAmount:
    code: str
    name: str
    rate: Decimal
    compound: bool
    base: Decimal
    amount: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "rate": str(self.rate),
            "compound": self.compound,
            "base": str(self.base),
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class LineTotals:
    gross: Decimal
    discount: Decimal
    sale_discount_share: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    taxes: tuple[TaxAmount, ...]


@dataclass(frozen=True)
class SaleTotals:
    lines: tuple[LineTotals, ...]
    subtotal: Decimal
    line_discount_total: Decimal
    sale_discount: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    taxes: tuple[TaxAmount, ...] = field(default_factory=tuple)

    @property
    def discount_total(self) -> Decimal:
        return self.line_discount_total + self.sale_discount


def price_sale(
    *,
    lines: Sequence[LineInput],
    rates: Mapping[Hashable, Sequence[TaxRule]],
    sale_discount: Decimal = ZERO,
    prices_include_tax: bool,
    minor_unit: int,
) -> SaleTotals:
    """Every figure of a sale. ``rates`` maps a tax category to the rules in force at the sale's
    time; a category missing from it has no tax."""
    grosses = [quantize(line.unit_price * line.quantity, minor_unit) for line in lines]
    after_line: list[Decimal] = []
    for position, (line, gross) in enumerate(zip(lines, grosses, strict=True)):
        if line.discount > gross:
            raise DiscountTooLarge(
                gettext_noop(
                    "Line %(value)s: the discount %(discount)s exceeds the line's amount %(gross)s."
                ),
                details={"line": position, "discount": str(line.discount), "amount": str(gross)},
                params={"value": position + 1, "discount": line.discount, "gross": gross},
            )
        after_line.append(gross - line.discount)
    if sale_discount > sum(after_line, ZERO):
        raise DiscountTooLarge(
            gettext_noop("The sale discount %(sale_discount)s exceeds the sale's amount %(sum)s."),
            details={"discount": str(sale_discount), "amount": str(sum(after_line, ZERO))},
            params={"sale_discount": sale_discount, "sum": sum(after_line, ZERO)},
        )
    shares = allocate(sale_discount, after_line, minor_unit)

    results: list[LineTotals] = []
    for line, gross, amount, share in zip(lines, grosses, after_line, shares, strict=True):
        charged = amount - share
        rules = rates.get(line.tax_category, ()) if line.tax_category is not None else ()
        net, taxes = line_taxes(charged, rules, prices_include_tax=prices_include_tax, minor_unit=minor_unit)
        tax = sum((t.amount for t in taxes), ZERO)
        results.append(
            LineTotals(
                gross=gross,
                discount=line.discount,
                sale_discount_share=share,
                net=net,
                tax=tax,
                total=net + tax,
                taxes=taxes,
            )
        )
    return SaleTotals(
        lines=tuple(results),
        subtotal=sum(grosses, ZERO),
        line_discount_total=sum((line.discount for line in lines), ZERO),
        sale_discount=sale_discount,
        net_total=sum((r.net for r in results), ZERO),
        tax_total=sum((r.tax for r in results), ZERO),
        total=sum((r.total for r in results), ZERO),
        taxes=merge_taxes([r.taxes for r in results]),
    )


# A sync run prices thousands of lines made of a few products and quantities, so the same
# (amount, rules) comes up again and again: line_taxes is pure (Decimal arithmetic in the default
# context, which nothing changes), so its answers are kept. The key holds the amount's exact text
# (7.5 and 7.50 are equal Decimals but give different figures' exponents) and the rules. With the
# JSON of the taxes kept too (taxes_as_json), this halved the pricing share of a sync run's
# profile (bench/sync_ingest.py, docs/performance.md).
_LineTaxesKey = tuple[str, tuple[tuple[str, str, str, bool, int], ...], bool, int]
_LINE_TAXES: dict[_LineTaxesKey, tuple[Decimal, tuple[TaxAmount, ...]]] = {}
# id(x) -> (x, what is kept for it): x is held, so that its id is not reused meanwhile.
_RULES_KEYS: dict[int, tuple[Sequence[TaxRule], tuple[tuple[str, str, str, bool, int], ...]]] = {}
_TAXES_JSON: dict[int, tuple[tuple[TaxAmount, ...], tuple[dict[str, Any], ...]]] = {}
_CACHE_MAX = 4096


def line_taxes(
    amount: Decimal, rules: Sequence[TaxRule], *, prices_include_tax: bool, minor_unit: int
) -> tuple[Decimal, tuple[TaxAmount, ...]]:
    """(net, taxes) of one line whose discounted amount is ``amount``."""
    key = (str(amount), _rules_key(rules), prices_include_tax, minor_unit)
    found = _LINE_TAXES.get(key)
    if found is None:
        if len(_LINE_TAXES) >= _CACHE_MAX:
            _LINE_TAXES.clear()
        found = _LINE_TAXES[key] = _line_taxes(
            amount, rules, prices_include_tax=prices_include_tax, minor_unit=minor_unit
        )
    return found


def _rules_key(rules: Sequence[TaxRule]) -> tuple[tuple[str, str, str, bool, int], ...]:
    """The rules as text: equal Decimals of different exponents (15 and 15.00) are told apart,
    as their figures are. Kept per tuple (a sync run's lines share the context's tuples)."""
    found = _RULES_KEYS.get(id(rules))
    if found is not None and found[0] is rules:
        return found[1]
    key = tuple((r.code, r.name, str(r.rate), r.compound, r.position) for r in rules)
    if isinstance(rules, tuple):
        if len(_RULES_KEYS) >= _CACHE_MAX:
            _RULES_KEYS.clear()
        _RULES_KEYS[id(rules)] = (rules, key)
    return key


def taxes_as_json(taxes: tuple[TaxAmount, ...]) -> list[dict[str, Any]]:
    """``[t.as_json() for t in taxes]``, made once per tuple that :func:`line_taxes` answers.
    The dicts are shared between the rows that get them: read them, never change them."""
    found = _TAXES_JSON.get(id(taxes))
    if found is None or found[0] is not taxes:
        if len(_TAXES_JSON) >= _CACHE_MAX:
            _TAXES_JSON.clear()
        found = _TAXES_JSON[id(taxes)] = (taxes, tuple(t.as_json() for t in taxes))
    return list(found[1])


def _line_taxes(
    amount: Decimal, rules: Sequence[TaxRule], *, prices_include_tax: bool, minor_unit: int
) -> tuple[Decimal, tuple[TaxAmount, ...]]:
    if not rules or amount == ZERO:
        return amount, tuple(
            TaxAmount(r.code, r.name, r.rate, r.compound, ZERO, ZERO) for r in _ordered(rules)
        )
    ordered = _ordered(rules)
    simple = [r for r in ordered if not r.compound]
    compound = [r for r in ordered if r.compound]
    if prices_include_tax:
        simple_sum = sum((r.rate for r in simple), ZERO) / HUNDRED
        compound_sum = sum((r.rate for r in compound), ZERO) / HUNDRED
        multiplier = (1 + simple_sum) * (1 + compound_sum)
        net = quantize(amount / multiplier, minor_unit)
    else:
        net = amount
    taxes: list[TaxAmount] = []
    for rule in simple:
        taxes.append(
            TaxAmount(
                rule.code, rule.name, rule.rate, False, net, quantize(net * rule.rate / HUNDRED, minor_unit)
            )
        )
    compound_base = net + sum((t.amount for t in taxes), ZERO)
    for rule in compound:
        taxes.append(
            TaxAmount(
                rule.code,
                rule.name,
                rule.rate,
                True,
                compound_base,
                quantize(compound_base * rule.rate / HUNDRED, minor_unit),
            )
        )
    if prices_include_tax:
        difference = amount - net - sum((t.amount for t in taxes), ZERO)
        if difference:
            # The largest tax absorbs the rounding difference (ties: the first listed).
            index = max(range(len(taxes)), key=lambda i: (taxes[i].rate, -i))
            fixed = taxes[index]
            taxes[index] = TaxAmount(
                fixed.code, fixed.name, fixed.rate, fixed.compound, fixed.base, fixed.amount + difference
            )
    return net, tuple(taxes)


def allocate(amount: Decimal, weights: Sequence[Decimal], minor_unit: int) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, in minor units, adding up exactly.

    Largest remainder: each share is rounded down, then one minor unit goes to the shares with the
    largest remainders (ties to the earlier) until the total is reached.
    """
    if not weights:
        return []
    total = sum(weights, ZERO)
    if amount == ZERO or total == ZERO:
        return [ZERO] * len(weights)
    unit = Decimal(1).scaleb(-minor_unit)
    exact = [amount * w / total for w in weights]
    floors = [(e / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for e in exact]
    left = int(((amount - sum(floors, ZERO)) / unit).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return [quantize(f, minor_unit) for f in floors]


def merge_taxes(groups: Sequence[Sequence[TaxAmount]]) -> tuple[TaxAmount, ...]:
    """Sum tax amounts by (code, rate, compound), keeping the first-seen order."""
    merged: dict[tuple[str, Decimal, bool], TaxAmount] = {}
    for taxes in groups:
        for tax in taxes:
            key = (tax.code, tax.rate, tax.compound)
            seen = merged.get(key)
            if seen is None:
                merged[key] = tax
            else:
                merged[key] = TaxAmount(
                    seen.code,
                    seen.name,
                    seen.rate,
                    seen.compound,
                    seen.base + tax.base,
                    seen.amount + tax.amount,
                )
    return tuple(merged.values())


def _ordered(rules: Sequence[TaxRule]) -> list[TaxRule]:
    return sorted(rules, key=lambda r: (r.compound, r.position, r.code))


# ---------------------------------------------------------------------------------------------
# Refunds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundShare:
    net: Decimal
    tax: Decimal
    total: Decimal
    taxes: tuple[TaxAmount, ...]


def refund_share(
    *,
    line_quantity: Decimal,
    line_total: Decimal,
    line_taxes: Sequence[TaxAmount],
    refunded_before: Decimal,
    quantity: Decimal,
    minor_unit: int,
) -> RefundShare:
    """The money returned for ``quantity`` more units of a line of which ``refunded_before`` units
    were already refunded.

    Cumulative rounding: after any sequence of refunds, the amount returned for a line is
    ``round(line_total x refunded_quantity / line_quantity)``, so refunds never add up to more than
    the line and a full refund returns it exactly.
    """
    after = refunded_before + quantity

    def share(amount: Decimal) -> Decimal:
        return quantize(amount * after / line_quantity, minor_unit) - quantize(
            amount * refunded_before / line_quantity, minor_unit
        )

    total = share(line_total)
    taxes = tuple(
        TaxAmount(t.code, t.name, t.rate, t.compound, share(t.base), share(t.amount)) for t in line_taxes
    )
    tax = sum((t.amount for t in taxes), ZERO)
    return RefundShare(net=total - tax, tax=tax, total=total, taxes=taxes)


def tax_amounts_from_json(rows: Sequence[Mapping[str, Any]]) -> tuple[TaxAmount, ...]:
    return tuple(
        TaxAmount(
            code=row["code"],
            name=row["name"],
            rate=Decimal(str(row["rate"])),
            compound=bool(row.get("compound", False)),
            base=Decimal(str(row["base"])),
            amount=Decimal(str(row["amount"])),
        )
        for row in rows
    )
