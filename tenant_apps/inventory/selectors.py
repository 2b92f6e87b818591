from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import F, QuerySet

from tenant_apps.inventory.models import StockLevel, StockMovement


def stock_levels(
    *, storefront_id: uuid.UUID | None = None, product_id: uuid.UUID | None = None, low_only: bool = False
) -> QuerySet[StockLevel]:
    qs = StockLevel.objects.select_related("product", "storefront").order_by(
        "storefront__code", "product__name"
    )
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if low_only:
        qs = qs.filter(
            product__is_active=True, product__track_stock=True, quantity__lte=F("product__reorder_level")
        )
    return qs


def stock_movements(
    *,
    storefront_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    kind: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("product", "storefront").order_by("-occurred_at", "id")
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if kind:
        qs = qs.filter(kind=kind)
    if start is not None:
        qs = qs.filter(occurred_at__gte=start)
    if end is not None:
        qs = qs.filter(occurred_at__lt=end)
    return qs
