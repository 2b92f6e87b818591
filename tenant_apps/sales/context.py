"""What a sale needs to know about the catalog at its own time, loaded set-based.

:func:`pricing_context_load` takes any number of ``(product_id, storefront_id, at)`` triples (a
sync batch holds hundreds of sales made at different times) and answers them with one query: the
products' facts with their price and tax-rate histories, searched per triple's time in Python.

The price in force for a product at a storefront at time ``t``: the latest row of that storefront
with ``effective_from <= t`` if its price is not null, else the latest base row (storefront null)
with ``effective_from <= t``, else, for a sale that predates every price (a device clock running
behind), the earliest base price.
"""

from __future__ import annotations

import datetime as dt
import uuid
from bisect import bisect_right
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pos_platform.db import bound_cursor
from tenant_apps.sales.pricing import TaxRule


@dataclass(frozen=True)
class ProductFacts:
    id: uuid.UUID
    sku: str
    name: str
    is_active: bool
    track_stock: bool
    tax_category_id: uuid.UUID | None


PriceKey = tuple[uuid.UUID, uuid.UUID, dt.datetime]


@dataclass
class PricingContext:
    products: dict[uuid.UUID, ProductFacts] = field(default_factory=dict)
    prices: dict[PriceKey, Decimal | None] = field(default_factory=dict)
    # time -> {tax category: rules in force then}
    by_time: dict[dt.datetime, dict[Hashable, tuple[TaxRule, ...]]] = field(default_factory=dict)

    def price(self, product_id: uuid.UUID, storefront_id: uuid.UUID, at: dt.datetime) -> Decimal | None:
        """The unit price in force (None for an unknown product or a key that was not loaded)."""
        return self.prices.get((product_id, storefront_id, at))

    def tax_rules(self, tax_category_id: uuid.UUID | None, at: dt.datetime) -> tuple[TaxRule, ...]:
        return self.rates_at(at).get(tax_category_id, ())

    def rates_at(self, at: dt.datetime) -> dict[Hashable, tuple[TaxRule, ...]]:
        """Every loaded category's rules in force at ``at``: the ``rates`` of ``price_sale``."""
        return self.by_time.get(at, {})


# One row per product: its facts, the price history of its base price and of the storefronts
# asked about, and the rate history of its tax category. Prices and rates in force at each key's
# time are then found in Python, whatever the number of keys.
_SQL = """
SELECT p.id, p.sku, p.name, p.is_active, p.track_stock, p.tax_category_id,
       (SELECT json_agg(json_build_array(x.storefront_id, x.effective_from, x.price::text)
                        ORDER BY x.effective_from)
          FROM catalog_price x
         WHERE x.product_id = p.id AND (x.storefront_id IS NULL OR x.storefront_id = ANY(%s::uuid[]))),
       (SELECT json_agg(json_build_array(r.code, r.name, r.rate::text, r.compound, r.position,
                                         r.effective_from, r.effective_to))
          FROM taxes_rate r WHERE r.category_id = p.tax_category_id)
FROM catalog_product p
WHERE p.id = ANY(%s::uuid[])
"""


def _in_force(
    history: list[tuple[dt.datetime, Decimal | None]], at: dt.datetime
) -> tuple[bool, Decimal | None]:
    """The last entry of ``history`` (sorted by time) that started at or before ``at``."""
    index = bisect_right(history, at, key=lambda entry: entry[0])
    if index == 0:
        return False, None
    return True, history[index - 1][1]


def pricing_context_load(*, keys: Iterable[PriceKey]) -> PricingContext:
    """Product facts, prices and tax rates for every ``(product_id, storefront_id, at)``: one
    query whatever the number of keys.

    The price in force at a storefront at ``at``: that storefront's latest row started by then,
    if its price is not null (a null row ends an override); else the latest base row started by
    then; else, for a sale that predates every price (a device clock running behind), the
    earliest base price."""
    unique = list(dict.fromkeys((_uuid(p), _uuid(s), at) for p, s, at in keys))
    context = PricingContext()
    if not unique:
        return context
    product_ids = sorted({pid for pid, _, _ in unique})
    storefront_ids = sorted({sid for _, sid, _ in unique})
    with bound_cursor() as cursor:
        cursor.execute(_SQL, [storefront_ids, product_ids])
        rows = cursor.fetchall()
    # (product, storefront or None) -> [(effective_from, price)], oldest first
    histories: dict[tuple[uuid.UUID, uuid.UUID | None], list[tuple[dt.datetime, Decimal | None]]] = {}
    rate_history: dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime | None, TaxRule]]] = {}
    for pid, sku, name, is_active, track_stock, category_id, prices, rates in rows:
        context.products[pid] = ProductFacts(
            id=pid,
            sku=sku,
            name=name,
            is_active=is_active,
            track_stock=track_stock,
            tax_category_id=category_id,
        )
        for storefront, start, price in prices or []:
            histories.setdefault((pid, uuid.UUID(storefront) if storefront else None), []).append(
                (dt.datetime.fromisoformat(start), Decimal(price) if price is not None else None)
            )
        if category_id is not None and category_id not in rate_history:
            rate_history[category_id] = [
                (
                    dt.datetime.fromisoformat(start),
                    dt.datetime.fromisoformat(end) if end else None,
                    TaxRule(code=code, name=rname, rate=Decimal(rate), compound=compound, position=position),
                )
                for code, rname, rate, compound, position, start, end in (rates or [])
            ]
    for pid, sid, at in unique:
        if pid not in context.products:
            continue
        found, price = _in_force(histories.get((pid, sid), []), at)
        if not found or price is None:
            base = histories.get((pid, None), [])
            found, price = _in_force(base, at)
            if not found:
                price = base[0][1] if base else None
        context.prices[(pid, sid, at)] = price
    # Times with the same rules in force share one tuple (the pricing module keeps its answers
    # per tuple).
    shared: dict[tuple[TaxRule, ...], tuple[TaxRule, ...]] = {}
    for at in dict.fromkeys(at for _, _, at in unique):
        in_force: dict[Hashable, tuple[TaxRule, ...]] = {}
        for category, history in rate_history.items():
            rules = tuple(rule for start, end, rule in history if start <= at and (end is None or end > at))
            in_force[category] = shared.setdefault(rules, rules)
        context.by_time[at] = in_force
    return context


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
