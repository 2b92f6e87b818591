from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tenant_apps.catalog.models import Product, ProductPrice
from tenant_apps.inventory.models import StockLevel

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Priced(TypedDict):
        price: Decimal | None

    # A product loaded through :func:`product_list`, with its base price now, for the type checker.
    PricedProduct = WithAnnotations[Product, _Priced]


def product_list(
    *,
    search: str = "",
    active: bool | None = None,
    category: str = "",
    tax_category_id: uuid.UUID | None = None,
    low_stock: bool = False,
) -> QuerySet[PricedProduct]:
    """Products with ``price``: the base price in force now. ``low_stock``: tracked products at or
    below their reorder level at some storefront (the low-stock list's rule)."""
    current = ProductPrice.objects.filter(
        product=OuterRef("pk"), storefront__isnull=True, effective_from__lte=timezone.now()
    ).order_by("-effective_from")
    qs = Product.objects.annotate(price=Subquery(current.values("price")[:1]))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(sku__iexact=search) | Q(barcode=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    if category:
        qs = qs.filter(category=category)
    if tax_category_id is not None:
        qs = qs.filter(tax_category_id=tax_category_id)
    if low_stock:
        low = StockLevel.objects.filter(product=OuterRef("pk"), quantity__lte=OuterRef("reorder_level"))
        qs = qs.filter(Exists(low), track_stock=True)
    return qs


def product_by_code(*, code: str) -> Product | None:
    """The product with this SKU (any case) or barcode: what a person types or scans."""
    code = (code or "").strip()
    if not code:
        return None
    return Product.objects.filter(Q(sku__iexact=code) | Q(barcode=code)).order_by("sku").first()


def product_categories() -> list[str]:
    return list(
        Product.objects.exclude(category="")
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")
    )


def product_get(*, product_id: uuid.UUID) -> Product | None:
    return product_list().filter(pk=product_id).first()


def price_history(*, product_id: uuid.UUID) -> QuerySet[ProductPrice]:
    return ProductPrice.objects.filter(product_id=product_id).order_by("storefront_id", "-effective_from")
