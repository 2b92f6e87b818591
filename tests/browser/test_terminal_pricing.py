"""Pricing parity: the terminal app's pricing module, run in Chromium, gives the server's figures
on every one of 1,200 vectors generated from the server's pricing (tests/sales/pricing_vectors.py):
totals, each line, each tax line, and the change of split payments."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sales.pricing_vectors import vectors

RUN = """async (cases) => {
  const { priceSale, planPayments } = await import('/static/pos/pricing.js');
  const s = (d) => d.toString();
  return cases.map((c) => {
    const r = priceSale(c.input);
    const plan = planPayments(c.input.payments, r.total);
    return {
      subtotal: s(r.subtotal), discount_total: s(r.discount_total), net_total: s(r.net_total),
      tax_total: s(r.tax_total), total: s(r.total),
      lines: r.lines.map((l) => ({
        net: s(l.net), tax: s(l.tax), total: s(l.total), share: s(l.sale_discount_share),
      })),
      taxes: r.taxes.map((t) => ({ code: t.code, base: s(t.base), amount: s(t.amount) })),
      paid: s(plan.paid), change: s(plan.change), problem: plan.problem,
    };
  });
}"""


def _canonical(figures: dict[str, Any]) -> str:
    """Numbers compared by value ("5.0" is "5.00"), everything else as it is."""
    from decimal import Decimal, InvalidOperation

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, str):
            try:
                return str(Decimal(value).normalize() + 0)
            except InvalidOperation:
                return value
        return value

    return json.dumps(norm(figures), sort_keys=True)


def test_the_apps_pricing_equals_the_servers_on_every_vector(
    phone: Any, live_url: Callable[[str], str]
) -> None:
    cases = vectors(1200)
    phone.goto(f"{live_url('alpha')}/pos/")

    results = phone.evaluate(RUN, cases)

    assert len(results) == len(cases) >= 1000
    different = [
        (i, cases[i]["expected"], got)
        for i, got in enumerate(results)
        if _canonical(got) != _canonical(cases[i]["expected"])
    ]
    assert not different, f"{len(different)} of {len(cases)} differ; first: {different[0]}"
    # The vectors cover what they claim to.
    assert {c["input"]["prices_include_tax"] for c in cases} == {True, False}
    assert {c["input"]["minor_unit"] for c in cases} == {0, 1, 2}
    assert (
        sum(1 for c in cases if any(r["compound"] for rs in c["input"]["rates"].values() for r in rs)) > 100
    )
    assert sum(1 for c in cases if c["input"]["sale_discount"] != "0") > 100
    assert sum(1 for c in cases if len(c["input"]["payments"]) > 1 and c["expected"]["change"] != "0") > 100
