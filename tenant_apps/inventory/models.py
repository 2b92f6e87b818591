"""Stock as a ledger.

Every change of stock is a :class:`StockMovement` row, inserted once and never changed (a trigger
refuses UPDATE and DELETE). :class:`StockLevel` holds, per product and storefront, the sum of its
movements; it is updated in the same statement-set as the movements, with rows locked in product
order. Reconciliation proves the two agree.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from pos_platform.db.fields import QuantityField, one_of

MOVEMENT_KINDS = ("sale", "refund", "void", "receive", "adjust", "count", "transfer_out", "transfer_in")
ADJUST_REASONS = ("damaged", "expired", "lost", "theft", "correction", "other")


class StockOperation(models.Model):
    """A stock document entered by a person: a delivery, an adjustment, a count, a transfer."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", "Receive"
        ADJUST = "adjust", "Adjust"
        COUNT = "count", "Count"
        TRANSFER = "transfer", "Transfer"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    storefront = models.ForeignKey("storefronts.Storefront", on_delete=models.PROTECT, related_name="+")
    to_storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=16, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True)
    terminal_id = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "inventory_operation"
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=one_of("kind", ["receive", "adjust", "count", "transfer"]),
                name="stock_operation_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer")
                | (Q(to_storefront__isnull=False) & ~Q(to_storefront=models.F("storefront"))),
                name="stock_transfer_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class StockMovement(models.Model):
    # Foreign keys carry no index of their own where a composite or partial index below serves
    # their lookups: every index is paid for on each insert, and sync batches insert thousands.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+", db_index=False)
    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=16)
    # Signed: what this movement adds to the level.
    quantity = QuantityField()
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField()
    sale = models.ForeignKey(
        "sales.Sale", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    sale_event = models.ForeignKey(
        "sales.SaleEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    operation = models.ForeignKey(
        StockOperation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        db_index=False,
    )
    reason = models.CharField(max_length=16, blank=True, default="")
    actor_id = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "inventory_movement"
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=one_of("kind", list(MOVEMENT_KINDS)), name="stock_movement_kind"
            ),
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_not_zero"),
            models.CheckConstraint(
                condition=~(one_of("kind", ["sale", "transfer_out"])) | Q(quantity__lt=0),
                name="stock_movement_out_negative",
            ),
            models.CheckConstraint(
                condition=~(one_of("kind", ["refund", "void", "receive", "transfer_in"])) | Q(quantity__gt=0),
                name="stock_movement_in_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "storefront", "occurred_at"], name="movement_product_time"),
            models.Index(fields=["occurred_at"], name="movement_occurred"),
            models.Index(fields=["sale"], name="movement_sale", condition=Q(sale__isnull=False)),
            models.Index(
                fields=["sale_event"], name="movement_sale_event", condition=Q(sale_event__isnull=False)
            ),
            models.Index(
                fields=["operation"], name="movement_operation", condition=Q(operation__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} of {self.product_id}"


class StockLevel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="stock_levels")
    storefront = models.ForeignKey("storefronts.Storefront", on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "inventory_level"
        ordering = ["product_id", "storefront_id"]
        constraints = [models.UniqueConstraint(fields=["product", "storefront"], name="stock_level_unique")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.storefront_id}: {self.quantity}"


class StockCountLine(models.Model):
    """What a count found against what the ledger expected: the discrepancy record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    operation = models.ForeignKey(StockOperation, on_delete=models.PROTECT, related_name="count_lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    expected = QuantityField()
    counted = QuantityField()
    difference = QuantityField()

    class Meta:
        db_table = "inventory_count_line"
        constraints = [
            models.UniqueConstraint(fields=["operation", "product"], name="count_line_unique"),
            models.CheckConstraint(condition=Q(counted__gte=0), name="count_line_counted_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: counted {self.counted}, expected {self.expected}"
