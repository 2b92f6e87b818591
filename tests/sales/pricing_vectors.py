"""Test vectors of the server's pricing, for the terminal app's own pricing code to be proven
equal on (tests/browser/test_terminal_pricing.py runs the app's JavaScript over them).

Seeded and random within the shapes a shop meets: tax-inclusive and exclusive prices, compound
levies (Ghana's VAT on NHIL, GETFund and COVID), several tax categories in one sale, untaxed
lines, line and sale discounts, weighed quantities, minor units 0, 1 and 2, and split payments
of cash, card and mobile money with change. Each vector carries the server's figures from
:func:`tenant_apps.sales.pricing.price_sale` and the payment plan of the sale service.

``python -m tests.sales.pricing_vectors OUT.json [COUNT]`` writes them to a file.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from decimal import Decimal
from typing import Any

from pos_platform.kernel.money import quantize
from tenant_apps.sales.models import PaymentMethod
from tenant_apps.sales.pricing import DiscountTooLarge, LineInput, TaxRule, price_sale
from tenant_apps.sales.services.sale import PaymentInput, _plan_payments

RATE_SETS: list[list[tuple[str, str, bool, int]]] = [
    [
        ("NHIL", "2.5", False, 1),
        ("GETFUND", "2.5", False, 2),
        ("COVID", "1", False, 3),
        ("VAT", "15", True, 4),
    ],
    [("VAT", "16", False, 1)],
    [("VAT", "18", False, 1)],
    [("VAT", "7.5", False, 1)],
    [("LEVY", "1.5", False, 1), ("VAT", "12.5", True, 2)],
    [("TOUR", "1", False, 2), ("CST", "0.75", False, 1)],
]
METHODS = {
    "cash": PaymentMethod(code="cash", kind="cash"),
    "card": PaymentMethod(code="card", kind="card"),
    "mobile_money": PaymentMethod(code="mobile_money", kind="mobile_money"),
}


def _amount(rng: random.Random, minor: int, top: int) -> Decimal:
    unit = Decimal(1).scaleb(-minor)
    return (Decimal(rng.randint(1, top * 10**minor)) * unit).quantize(unit)


def vector(rng: random.Random) -> dict[str, Any]:
    minor = rng.choice([0, 1, 2, 2, 2])
    inclusive = rng.random() < 0.6
    categories = {f"cat{i}": RATE_SETS[i] for i in rng.sample(range(len(RATE_SETS)), rng.randint(1, 3))}
    rates = {
        cat: [
            TaxRule(code=c, name=c, rate=Decimal(r), compound=comp, position=pos) for c, r, comp, pos in rules
        ]
        for cat, rules in categories.items()
    }
    lines = []
    for _ in range(rng.randint(1, 6)):
        unit_price = _amount(rng, minor, rng.choice([5, 50, 500, 5000]))
        quantity = (
            Decimal(rng.randint(1, 12))
            if rng.random() < 0.6
            else (Decimal(rng.randint(1, 9999)) / 1000).quantize(Decimal("0.001"))
        )
        gross = quantize(unit_price * quantity, minor)
        discount = Decimal(0)
        if rng.random() < 0.3 and gross > 0:
            discount = quantize(gross * Decimal(rng.randint(1, 50)) / 100, minor)
        category = rng.choice([*categories, None]) if rng.random() < 0.9 else None
        lines.append(
            LineInput(unit_price=unit_price, quantity=quantity, discount=discount, tax_category=category)
        )
    sale_discount = Decimal(0)
    if rng.random() < 0.3:
        sale_discount = _amount(rng, minor, 20)
    try:
        totals = price_sale(
            lines=lines,
            rates=rates,
            sale_discount=sale_discount,
            prices_include_tax=inclusive,
            minor_unit=minor,
        )
    except DiscountTooLarge:
        sale_discount = Decimal(0)
        totals = price_sale(lines=lines, rates=rates, prices_include_tax=inclusive, minor_unit=minor)
    due = totals.total
    payments: list[PaymentInput] = []
    if rng.random() < 0.5 and due > 0:
        part = quantize(due * Decimal(rng.randint(10, 90)) / 100, minor)
        payments.append(PaymentInput(method=rng.choice(["card", "mobile_money"]), amount=part))
        due -= part
    payments.append(
        PaymentInput(method="cash", amount=due + _amount(rng, minor, 50) - Decimal(1).scaleb(-minor))
    )
    plan = _plan_payments(payments, METHODS, due=totals.total, sale_id=uuid.uuid4())
    return {
        "input": {
            "lines": [
                {
                    "unit_price": str(line.unit_price),
                    "quantity": str(line.quantity),
                    "discount": str(line.discount),
                    "tax_category": line.tax_category,
                }
                for line in lines
            ],
            "rates": {
                cat: [
                    {"code": c, "name": c, "rate": r, "compound": comp, "position": pos}
                    for c, r, comp, pos in rules
                ]
                for cat, rules in categories.items()
            },
            "sale_discount": str(sale_discount),
            "prices_include_tax": inclusive,
            "minor_unit": minor,
            "payments": [{"kind": METHODS[p.method].kind, "amount": str(p.amount)} for p in payments],
        },
        "expected": {
            "subtotal": str(totals.subtotal),
            "discount_total": str(totals.discount_total),
            "net_total": str(totals.net_total),
            "tax_total": str(totals.tax_total),
            "total": str(totals.total),
            "lines": [
                {
                    "net": str(x.net),
                    "tax": str(x.tax),
                    "total": str(x.total),
                    "share": str(x.sale_discount_share),
                }
                for x in totals.lines
            ],
            "taxes": [{"code": t.code, "base": str(t.base), "amount": str(t.amount)} for t in totals.taxes],
            "paid": str(plan.paid),
            "change": str(plan.change),
            "problem": plan.problem,
        },
    }


def vectors(count: int = 1200, seed: int = 20261203) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [vector(rng) for _ in range(count)]


if __name__ == "__main__":
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1200
    with open(sys.argv[1], "w") as out:
        json.dump(vectors(count), out)
