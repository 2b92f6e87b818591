"""Demo data for ``make run``: a storefront, taxes (Ghana's levies and VAT), products with stock.

Idempotent: a second run finds the data and adds nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from pos_platform.kernel.actors import Actor
from tenant_apps.catalog.models import Product
from tenant_apps.catalog.services import product_create
from tenant_apps.inventory.services import StockLine, stock_receive
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create
from tenant_apps.taxes.models import TaxCategory
from tenant_apps.taxes.services import tax_category_create, tax_rate_add

GHANA_LEVIES = [
    ("NHIL", "National Health Insurance Levy", "2.5", False, 1),
    ("GETFUND", "GETFund Levy", "2.5", False, 2),
    ("COVID", "COVID-19 Health Recovery Levy", "1", False, 3),
    ("VAT", "Value Added Tax", "15", True, 4),
]

PRODUCTS = [
    ("RICE-5KG", "Rice 5 kg", "Groceries", "95.00", "STD", 40),
    ("OIL-1L", "Vegetable oil 1 l", "Groceries", "38.50", "STD", 30),
    ("SUGAR-1KG", "Sugar 1 kg", "Groceries", "16.00", "STD", 50),
    ("WATER-500", "Water 500 ml", "Drinks", "2.50", "EXEMPT", 200),
    ("MILK-TIN", "Evaporated milk tin", "Groceries", "9.80", "STD", 60),
    ("SOAP-BAR", "Bar soap", "Household", "6.00", "STD", 80),
    ("AIRTIME-5", "Airtime 5", "Services", "5.00", "EXEMPT", 0),
]


def seed_demo_shop(context: Any) -> None:
    actor = Actor.system("demo")
    storefront = Storefront.objects.filter(code="ACC").first() or storefront_create(
        code="ACC", name="Accra Central", actor=actor
    )
    if not TaxCategory.objects.filter(code="STD").exists():
        standard = tax_category_create(code="STD", name="Standard rated", actor=actor)
        tax_category_create(code="EXEMPT", name="Exempt", actor=actor)
        since = timezone.now()
        for code, name, rate, compound, position in GHANA_LEVIES:
            tax_rate_add(
                category_id=standard.pk,
                code=code,
                name=name,
                rate=Decimal(rate),
                compound=compound,
                position=position,
                effective_from=since,
                actor=actor,
            )
    categories = {c.code: c.pk for c in TaxCategory.objects.all()}
    received: list[StockLine] = []
    for sku, name, category, price, tax, stock in PRODUCTS:
        if Product.objects.filter(sku=sku).exists():
            continue
        product = product_create(
            sku=sku,
            name=name,
            category=category,
            price=Decimal(price),
            tax_category_id=categories[tax],
            track_stock=stock > 0,
            reorder_level=Decimal(10 if stock else 0),
            actor=actor,
        )
        if stock:
            received.append(StockLine(product.pk, Decimal(stock)))
    if received:
        stock_receive(storefront_id=storefront.pk, lines=received, actor=actor, note="Opening stock")
    context.lines.append(
        f"Demo storefront: {storefront.code} {storefront.name} ({storefront.pk}); "
        f"{Product.objects.count()} products; prices include VAT, NHIL, GETFund and COVID levies"
    )
