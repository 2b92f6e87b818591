"""Small builders for the sales tests."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from tenant_apps.inventory.models import StockLevel, StockMovement
from tenant_apps.sales.models import Payment, Sale, SaleEvent, SaleLine
from tenant_apps.sales.services import PaymentInput, RecordedSale, SaleLineInput, sale_record


def D(value: object) -> Decimal:
    return Decimal(str(value))


def sell(
    shop: Any, *items: tuple[str, object], pay: list[PaymentInput] | None = None, **kwargs: Any
) -> RecordedSale:
    """Record a sale at the shop's storefront by its cashier; cash covering it unless ``pay``."""
    lines = [SaleLineInput(shop.products[key].pk, D(q)) for key, q in items]
    return sale_record(
        storefront_id=kwargs.pop("storefront_id", shop.storefront.pk),
        cashier_id=kwargs.pop("cashier_id", shop.cashier.user.pk),
        lines=kwargs.pop("lines", lines),
        payments=pay if pay is not None else [PaymentInput("cash", D("10000"))],
        **kwargs,
    )


def level(shop: Any, key: str, storefront: Any = None) -> Decimal:
    row = StockLevel.objects.filter(
        product=shop.products[key], storefront=storefront or shop.storefront
    ).first()
    return row.quantity if row else Decimal(0)


def counts() -> dict[str, int]:
    """Rows in the sales and stock tables: a refused write must leave them unchanged."""
    return {
        "sales": Sale.objects.count(),
        "lines": SaleLine.objects.count(),
        "payments": Payment.objects.count(),
        "events": SaleEvent.objects.count(),
        "movements": StockMovement.objects.count(),
        "levels": sum(StockLevel.objects.values_list("quantity", flat=True), Decimal(0)),
    }


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def use(shop: Any) -> None:
    """Make the shop's tenant schema the active one (after another shop's fixture switched)."""
    from pos_platform.db import connection

    connection.set_tenant(shop.tenant)
