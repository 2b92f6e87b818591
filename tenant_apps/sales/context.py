"""What a sale needs to know about the catalog at its own time, loaded set-based.

:func:`pricing_context_load` takes any number of ``(product_id, storefront_id, at)`` triples (a
sync batch holds hundreds of sales made at different times) and answers them in two queries: the
product facts with the price in force at each triple's time, and the tax rates in force over the
whole time span (filtered per time in Python).

The price in force for a product at a storefront at time ``t``: the latest row of that storefront
with ``effective_from <= t`` if its price is not null, else the latest base row (storefront null)
with ``effective_from <= t``, else, for a sale that predates every price (a device clock running
behind), the earliest base price.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from tenant_apps.sales.pricing import TaxRule


@dataclass(frozen=True)
class ProductFacts:
    id: uuid.UUID
    sku: str
    name: str
    is_active: bool
    track_stock: bool
    tax_category_id: uuid.UUID | None


@dataclass(frozen=True)
class _Rate:
    rule: TaxRule
    effective_from: dt.datetime
    effective_to: dt.datetime | None


PriceKey = tuple[uuid.UUID, uuid.UUID, dt.datetime]


@dataclass
class PricingContext:
    products: dict[uuid.UUID, ProductFacts] = field(default_factory=dict)
    prices: dict[PriceKey, Decimal | None] = field(default_factory=dict)
    _rates: dict[uuid.UUID, list[_Rate]] = field(default_factory=dict)

    def price(self, product_id: uuid.UUID, storefront_id: uuid.UUID, at: dt.datetime) -> Decimal | None:
        """The unit price in force (None for an unknown product or a key that was not loaded)."""
        return self.prices.get((product_id, storefront_id, at))

    def tax_rules(self, tax_category_id: uuid.UUID | None, at: dt.datetime) -> tuple[TaxRule, ...]:
        if tax_category_id is None:
            return ()
        return tuple(
            r.rule
            for r in self._rates.get(tax_category_id, ())
            if r.effective_from <= at and (r.effective_to is None or at < r.effective_to)
        )

    def rates_at(self, at: dt.datetime) -> dict[Hashable, tuple[TaxRule, ...]]:
        """Every loaded category's rules in force at ``at``: the ``rates`` of ``price_sale``."""
        return {category: self.tax_rules(category, at) for category in self._rates}


_PRICES_SQL = """
SELECT v.pid, v.sid, v.at, p.sku, p.name, p.is_active, p.track_stock, p.tax_category_id,
       COALESCE(
           (SELECT x.price FROM catalog_price x
             WHERE x.product_id = v.pid AND x.storefront_id = v.sid AND x.effective_from <= v.at
             ORDER BY x.effective_from DESC LIMIT 1),
           (SELECT x.price FROM catalog_price x
             WHERE x.product_id = v.pid AND x.storefront_id IS NULL AND x.effective_from <= v.at
             ORDER BY x.effective_from DESC LIMIT 1),
           (SELECT x.price FROM catalog_price x
             WHERE x.product_id = v.pid AND x.storefront_id IS NULL
             ORDER BY x.effective_from ASC LIMIT 1)
       )
FROM (VALUES {values}) AS v(pid, sid, at)
JOIN catalog_product p ON p.id = v.pid
"""

_RATES_SQL = """
SELECT category_id, code, name, rate, compound, position, effective_from, effective_to
FROM taxes_rate
WHERE category_id = ANY(%s) AND effective_from <= %s AND (effective_to IS NULL OR effective_to > %s)
"""


def pricing_context_load(*, keys: Iterable[PriceKey]) -> PricingContext:
    """Product facts, prices and tax rates for every ``(product_id, storefront_id, at)``: two
    queries whatever the number of keys (one when no product has a tax category)."""
    unique = list(dict.fromkeys((_uuid(p), _uuid(s), at) for p, s, at in keys))
    context = PricingContext()
    if not unique:
        return context
    values = ", ".join(["(%s::uuid, %s::uuid, %s::timestamptz)"] * len(unique))
    params: list[object] = []
    for product_id, storefront_id, at in unique:
        params += [product_id, storefront_id, at]
    with connection.cursor() as cursor:
        cursor.execute(_PRICES_SQL.format(values=values), params)
        rows = cursor.fetchall()
    categories: set[uuid.UUID] = set()
    for pid, sid, at, sku, name, is_active, track_stock, category_id, price in rows:
        if pid not in context.products:
            context.products[pid] = ProductFacts(
                id=pid,
                sku=sku,
                name=name,
                is_active=is_active,
                track_stock=track_stock,
                tax_category_id=category_id,
            )
        context.prices[(pid, sid, at)] = price
        if category_id is not None:
            categories.add(category_id)
    if categories:
        times = [at for _, _, at in unique]
        with connection.cursor() as cursor:
            cursor.execute(_RATES_SQL, [list(categories), max(times), min(times)])
            rates: dict[uuid.UUID, list[_Rate]] = defaultdict(list)
            for category_id, code, name, rate, compound, position, start, end in cursor.fetchall():
                rates[category_id].append(
                    _Rate(TaxRule(code=code, name=name, rate=rate, compound=compound, position=position), start, end)
                )
        context._rates = dict(rates)
        for category_id in categories:
            context._rates.setdefault(category_id, [])
    return context


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
