"""The set-based context loader: prices and tax rates at each sale's own time, in one query."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from tenant_apps.catalog.services import price_set, product_create
from tenant_apps.sales.context import pricing_context_load
from tenant_apps.taxes.models import TaxRate
from tenant_apps.taxes.services import tax_rate_add, tax_rate_end
from tests.conftest import Shop

ACTOR = Actor.system("test")


def test_prices_at_each_time_with_storefront_overrides(shop_a: Shop) -> None:
    rice, here, there = shop_a.products["rice"].pk, shop_a.storefront.pk, shop_a.other_storefront.pk
    now = timezone.now()
    t = [now - dt.timedelta(hours=h) for h in (10, 8, 6, 4, 2)]
    price_set(product_id=rice, price=D("27.00"), effective_from=t[1], actor=ACTOR)
    price_set(product_id=rice, price=D("26.00"), storefront_id=here, effective_from=t[2], actor=ACTOR)
    price_set(product_id=rice, price=None, storefront_id=here, effective_from=t[3], actor=ACTOR)
    price_set(product_id=rice, price=D("28.00"), effective_from=t[4], actor=ACTOR)

    context = pricing_context_load(keys=[(rice, here, at) for at in t] + [(rice, there, t[2])])

    assert [context.price(rice, here, at) for at in t] == [
        D("25.00"),
        D("27.00"),
        D("26.00"),
        D("27.00"),
        D("28.00"),
    ]
    assert context.price(rice, there, t[2]) == D("27.00")


def test_a_sale_before_every_price_gets_the_earliest_price(shop_a: Shop) -> None:
    product = product_create(sku="NEW", name="New", price=D("9.99"), actor=ACTOR)
    before = product.created_at - dt.timedelta(days=1)

    context = pricing_context_load(keys=[(product.pk, shop_a.storefront.pk, before)])

    assert context.price(product.pk, shop_a.storefront.pk, before) == D("9.99")


def test_tax_rates_in_force_at_each_time(shop_a: Shop) -> None:
    rice, here = shop_a.products["rice"].pk, shop_a.storefront.pk
    now = timezone.now()
    change = now - dt.timedelta(hours=5)
    covid = TaxRate.objects.get(code="COVID")
    tax_rate_end(rate_id=covid.pk, effective_to=change, actor=ACTOR)
    tax_rate_add(
        category_id=shop_a.standard.pk,
        code="VAT",
        name="VAT",
        rate=D("20"),
        compound=False,
        effective_from=change,
        actor=ACTOR,
    )
    before, after = change - dt.timedelta(minutes=1), change + dt.timedelta(minutes=1)

    context = pricing_context_load(keys=[(rice, here, before), (rice, here, after)])

    category = shop_a.standard.pk
    assert {(r.code, r.rate, r.compound) for r in context.tax_rules(category, before)} == {
        ("NHIL", D("2.5"), False),
        ("GETFUND", D("2.5"), False),
        ("COVID", D("1"), False),
        ("VAT", D("15"), True),
    }
    assert {(r.code, r.rate, r.compound) for r in context.tax_rules(category, after)} == {
        ("NHIL", D("2.5"), False),
        ("GETFUND", D("2.5"), False),
        ("VAT", D("20"), False),
    }
    assert context.rates_at(after) == {category: context.tax_rules(category, after)}


def test_one_query_for_hundreds_of_keys_at_different_times(shop_a: Shop) -> None:
    now = timezone.now()
    keys = [
        (product.pk, storefront.pk, now - dt.timedelta(minutes=i))
        for i in range(100)
        for product in shop_a.products.values()
        for storefront in (shop_a.storefront, shop_a.other_storefront)
    ] + [(uuid.uuid4(), shop_a.storefront.pk, now)]

    with CaptureQueriesContext(connection) as queries:
        context = pricing_context_load(keys=keys)

    assert len(queries) == 1
    assert len(context.prices) == 800
    assert set(context.products) == {p.pk for p in shop_a.products.values()}
