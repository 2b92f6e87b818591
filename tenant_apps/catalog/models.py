"""Products and their price history.

A price row is in force from ``effective_from`` until the next row of the same product and
storefront; ``storefront`` null is the base price, a storefront's row overrides it (a null price
on a storefront row ends the override). Rows are only ever added, so an offline sale is judged
at the price of its own time.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from pos_platform.db.fields import MoneyField, QuantityField


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=64, unique=True)
    barcode = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=80, blank=True, default="")
    unit = models.CharField(max_length=16, default="pcs")
    tax_category = models.ForeignKey(
        "taxes.TaxCategory", on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    track_stock = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    # At or below this level the product is on the low-stock list.
    reorder_level = QuantityField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_product"
        ordering = ["name", "sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["barcode"], condition=~Q(barcode=""), name="product_barcode_unique"
            ),
            models.CheckConstraint(condition=Q(reorder_level__gte=0), name="product_reorder_level_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductPrice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices")
    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    price = MoneyField(null=True, blank=True)
    effective_from = models.DateTimeField()
    # Who set it (public user id).
    actor_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_price"
        ordering = ["product_id", "storefront_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0) | Q(price__isnull=True), name="price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(storefront__isnull=False) | Q(price__isnull=False), name="base_price_required"
            ),
            models.UniqueConstraint(
                fields=["product", "storefront", "effective_from"],
                nulls_distinct=False,
                name="price_unique_start",
            ),
        ]
        indexes = [models.Index(fields=["product", "storefront", "-effective_from"], name="price_lookup")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.price} from {self.effective_from:%Y-%m-%d %H:%M}"
