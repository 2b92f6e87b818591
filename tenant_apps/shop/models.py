"""The shop's own settings: one row per tenant schema, pulled by terminals like the catalog."""

from __future__ import annotations

import uuid

from django.db import models

from pos_platform.db.fields import one_of

# A receipt header or footer: a few short lines on 58 mm paper.
RECEIPT_TEXT_MAX = 200
RECEIPT_TEXT_LINES = 4


class ShopSettings(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Always true: with the unique constraint, at most one row exists.
    singleton = models.BooleanField(default=True, editable=False)
    # Shelf prices include tax (the customer pays the price shown) or tax is added on top.
    prices_include_tax = models.BooleanField(default=True)
    # Online sales may take a tracked product below zero (offline sales always may).
    allow_negative_stock = models.BooleanField(default=False)
    # Decimals of the currency's minor unit: totals, taxes and change are rounded to it.
    minor_unit = models.PositiveSmallIntegerField(default=2)
    # Printed above and below the lines of every receipt (address, phone, returns policy).
    receipt_header = models.CharField(max_length=RECEIPT_TEXT_MAX, blank=True, default="")
    receipt_footer = models.CharField(max_length=RECEIPT_TEXT_MAX, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "shop_settings"
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="shop_settings_single_row"),
            models.CheckConstraint(condition=models.Q(singleton=True), name="shop_settings_singleton_true"),
            models.CheckConstraint(
                condition=one_of("minor_unit", [0, 1, 2]), name="shop_settings_minor_unit"
            ),
        ]

    def __str__(self) -> str:
        return "Shop settings"
