"""Catalog writes: products and prices. Prices are only ever added (price history).

Lock order: a write to a catalog table fires the change-feed trigger, which takes the shop's feed
lock (``pg_advisory_xact_lock``) at the end of the statement, and a new price row checks its
product's row (``FOR KEY SHARE``) only at commit (Django's foreign keys are deferred). A product
update therefore locks its row ``FOR NO KEY UPDATE``, which those key checks pass: with
``FOR UPDATE`` a price added at the same time held the feed lock and waited for the product row
while the update held the row and waited for the feed lock, a deadlock. Any deadlock or
serialization failure left runs the service again (:func:`pos_platform.kernel.transactions.retrying`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.errors import ValidationFailed
from pos_platform.kernel.money import MONEY_MAX, QUANTITY_MAX, QUANTITY_PLACES, has_places
from pos_platform.kernel.transactions import retrying
from tenant_apps.catalog.errors import (
    BarcodeTaken,
    PriceExists,
    PriceInvalid,
    ProductNotFound,
    SkuTaken,
    TaxCategoryNotFound,
)
from tenant_apps.catalog.models import Product, ProductPrice
from tenant_apps.shop.services import shop_settings_get
from tenant_apps.storefronts.errors import StorefrontNotFound
from tenant_apps.storefronts.models import Storefront
from tenant_apps.taxes.models import TaxCategory

_UNSET: Any = object()


def _check_price(price: Decimal | None, *, nullable: bool = False) -> None:
    if price is None and nullable:
        return
    minor_unit = shop_settings_get().minor_unit
    if not isinstance(price, Decimal) or price < 0 or price > MONEY_MAX or not has_places(price, minor_unit):
        raise PriceInvalid(
            gettext_noop("A price is 0 to %(MONEY_MAX)s with at most %(minor_unit)s decimals."),
            details={"price": str(price)},
            params={"MONEY_MAX": MONEY_MAX, "minor_unit": minor_unit},
        )


def _check_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > max_length:
        raise ValidationFailed(
            gettext_noop("%(field)s must be %(value)s to %(max_length)s characters."),
            code="product_invalid",
            details={"field": field},
            params={"field": field, "value": "1" if required else "0", "max_length": max_length},
        )
    return value


def _check_reorder(level: Decimal) -> None:
    if (
        not isinstance(level, Decimal)
        or level < 0
        or level > QUANTITY_MAX
        or not has_places(level, QUANTITY_PLACES)
    ):
        raise ValidationFailed(
            gettext_noop("The reorder level is 0 or more with at most 3 decimals."),
            code="product_invalid",
            details={"field": "reorder_level"},
        )


def _tax_category(category_id: uuid.UUID | None) -> None:
    if category_id is not None and not TaxCategory.objects.filter(pk=category_id).exists():
        raise TaxCategoryNotFound(details={"tax_category_id": str(category_id)})


def _audit(
    actor: Actor, action: str, object_id: object, details: dict[str, Any], storefront_id: Any = None
) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type="product",
        object_id=str(object_id),
        storefront_id=storefront_id,
        details=details,
    )


def _save(product: Product, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            product.save(**kwargs)
    except IntegrityError as exc:
        text = str(exc)
        if "barcode" in text:
            raise BarcodeTaken() from exc
        raise SkuTaken() from exc


@retrying
@transaction.atomic
def product_create(
    *,
    sku: str,
    name: str,
    price: Decimal,
    actor: Actor,
    tax_category_id: uuid.UUID | None = None,
    barcode: str = "",
    category: str = "",
    unit: str = "pcs",
    track_stock: bool = True,
    reorder_level: Decimal = Decimal(0),
    product_id: uuid.UUID | None = None,
) -> Product:
    """A product with its first base price, in force from now."""
    _check_price(price)
    _check_reorder(reorder_level)
    _tax_category(tax_category_id)
    product = Product(
        id=product_id or uuid.uuid4(),
        sku=_check_text(sku, field="sku", max_length=64),
        name=_check_text(name, field="name", max_length=200),
        barcode=_check_text(barcode, field="barcode", max_length=64, required=False),
        category=_check_text(category, field="category", max_length=80, required=False),
        unit=_check_text(unit, field="unit", max_length=16),
        tax_category_id=tax_category_id,
        track_stock=track_stock,
        reorder_level=reorder_level,
    )
    _save(product, force_insert=True)
    ProductPrice.objects.create(
        product=product, price=price, effective_from=product.created_at, actor_id=actor.user_id
    )
    _audit(
        actor,
        "product.create",
        product.pk,
        {
            "sku": product.sku,
            "name": product.name,
            "price": str(price),
            "tax_category_id": str(tax_category_id),
        },
    )
    return product


@retrying
@transaction.atomic
def product_update(
    *,
    product_id: uuid.UUID,
    actor: Actor,
    name: str | None = None,
    barcode: str | None = None,
    category: str | None = None,
    unit: str | None = None,
    tax_category_id: uuid.UUID | None = _UNSET,
    track_stock: bool | None = None,
    is_active: bool | None = None,
    reorder_level: Decimal | None = None,
) -> Product:
    """Change product facts (not the price: see :func:`price_set`). Deactivating keeps history."""
    product = Product.objects.select_for_update(no_key=True).filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _check_text(name, field="name", max_length=200)
    if barcode is not None:
        values["barcode"] = _check_text(barcode, field="barcode", max_length=64, required=False)
    if category is not None:
        values["category"] = _check_text(category, field="category", max_length=80, required=False)
    if unit is not None:
        values["unit"] = _check_text(unit, field="unit", max_length=16)
    if tax_category_id is not _UNSET:
        _tax_category(tax_category_id)
        values["tax_category_id"] = tax_category_id
    if track_stock is not None:
        values["track_stock"] = track_stock
    if is_active is not None:
        values["is_active"] = is_active
    if reorder_level is not None:
        _check_reorder(reorder_level)
        values["reorder_level"] = reorder_level
    changes = {
        k: {"from": str(getattr(product, k)), "to": str(v)}
        for k, v in values.items()
        if getattr(product, k) != v
    }
    if changes:
        for k in changes:
            setattr(product, k, values[k])
        _save(product, update_fields=[*changes, "updated_at"])
        _audit(actor, "product.update", product.pk, changes)
    return product


@retrying
@transaction.atomic
def price_set(
    *,
    product_id: uuid.UUID,
    price: Decimal | None,
    actor: Actor,
    storefront_id: uuid.UUID | None = None,
    effective_from: dt.datetime | None = None,
) -> ProductPrice:
    """A new price from ``effective_from`` (default now; a past time corrects history for sales
    judged later, such as offline ones, never sales already recorded). With ``storefront_id`` it
    overrides the base price there; ``price=None`` on a storefront ends its override."""
    _check_price(price, nullable=storefront_id is not None)
    if not Product.objects.filter(pk=product_id).exists():
        raise ProductNotFound()
    if storefront_id is not None and not Storefront.objects.filter(pk=storefront_id).exists():
        raise StorefrontNotFound(details={"storefront_id": str(storefront_id)})
    effective_from = effective_from or timezone.now()
    try:
        with transaction.atomic():
            row = ProductPrice.objects.create(
                product_id=product_id,
                storefront_id=storefront_id,
                price=price,
                effective_from=effective_from,
                actor_id=actor.user_id,
            )
    except IntegrityError as exc:
        raise PriceExists() from exc
    _audit(
        actor,
        "product.price_set",
        product_id,
        {"price": None if price is None else str(price), "effective_from": effective_from.isoformat()},
        storefront_id=storefront_id,
    )
    return row
