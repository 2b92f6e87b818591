from __future__ import annotations

import uuid

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tenant_apps.catalog.models import Product, ProductPrice


def product_list(
    *,
    search: str = "",
    active: bool | None = None,
    category: str = "",
    tax_category_id: uuid.UUID | None = None,
) -> QuerySet[Product]:
    """Products with ``price``: the base price in force now."""
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
    return qs


def product_get(*, product_id: uuid.UUID) -> Product | None:
    return product_list().filter(pk=product_id).first()


def price_history(*, product_id: uuid.UUID) -> QuerySet[ProductPrice]:
    return ProductPrice.objects.filter(product_id=product_id).order_by("storefront_id", "-effective_from")
