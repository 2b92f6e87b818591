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
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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
    # (tax category, time) -> rules in force then
    rules: dict[tuple[uuid.UUID, dt.datetime], tuple[TaxRule, ...]] = field(default_factory=dict)

    def price(self, product_id: uuid.UUID, storefront_id: uuid.UUID, at: dt.datetime) -> Decimal | None:
        """The unit price in force (None for an unknown product or a key that was not loaded)."""
        return self.prices.get((product_id, storefront_id, at))

    def tax_rules(self, tax_category_id: uuid.UUID | None, at: dt.datetime) -> tuple[TaxRule, ...]:
        if tax_category_id is None:
            return ()
        return self.rules.get((tax_category_id, at), ())

    def rates_at(self, at: dt.datetime) -> dict[Hashable, tuple[TaxRule, ...]]:
        """Every loaded category's rules in force at ``at``: the ``rates`` of ``price_sale``."""
        return {category: rules for (category, when), rules in self.rules.items() if when == at}


# One row per key: the product's facts, the price in force at the key's time, and the rates of
# the product's tax category in force then.
_SQL = """
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
       ),
       (SELECT json_agg(json_build_array(r.code, r.name, r.rate::text, r.compound, r.position))
          FROM taxes_rate r
         WHERE r.category_id = p.tax_category_id AND r.effective_from <= v.at
           AND (r.effective_to IS NULL OR r.effective_to > v.at))
FROM (VALUES {values}) AS v(pid, sid, at)
JOIN catalog_product p ON p.id = v.pid
"""


def pricing_context_load(*, keys: Iterable[PriceKey]) -> PricingContext:
    """Product facts, prices and tax rates for every ``(product_id, storefront_id, at)``: one
    query whatever the number of keys."""
    unique = list(dict.fromkeys((_uuid(p), _uuid(s), at) for p, s, at in keys))
    context = PricingContext()
    if not unique:
        return context
    values = ", ".join(["(%s::uuid, %s::uuid, %s::timestamptz)"] * len(unique))
    params: list[Any] = []
    for product_id, storefront_id, at in unique:
        params += [product_id, storefront_id, at]
    with bound_cursor() as cursor:
        cursor.execute(_SQL.format(values=values), params)
        rows = cursor.fetchall()
    for (pid, sid, at), row in zip(unique, _ordered(rows, unique), strict=True):
        if row is None:
            continue
        _, _, _, sku, name, is_active, track_stock, category, price, rates = row
        category_id = category if isinstance(category, uuid.UUID) else None
        assert isinstance(sku, str)
        assert isinstance(name, str)
        if pid not in context.products:
            context.products[pid] = ProductFacts(
                id=pid,
                sku=sku,
                name=name,
                is_active=bool(is_active),
                track_stock=bool(track_stock),
                tax_category_id=category_id,
            )
        context.prices[(pid, sid, at)] = price if isinstance(price, Decimal) else None
        if category_id is not None and (category_id, at) not in context.rules:
            context.rules[(category_id, at)] = tuple(
                TaxRule(code=code, name=rname, rate=Decimal(rate), compound=compound, position=position)
                for code, rname, rate, compound, position in (rates or [])  # type: ignore[attr-defined]
            )
    return context


def _ordered(rows: list[tuple[object, ...]], keys: list[PriceKey]) -> list[tuple[object, ...] | None]:
    """Rows matched back to their keys (the database returns them in any order, unknown
    products not at all); keys keep the caller's own datetime objects."""
    by_key: dict[tuple[object, object, object], tuple[object, ...]] = {}
    for row in rows:
        by_key[(row[0], row[1], row[2])] = row
    return [by_key.get(key) for key in keys]


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
