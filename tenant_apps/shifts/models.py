"""Cash shifts: a cashier's drawer at a storefront, from opening float to counted close."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from pos_platform.db.fields import MoneyField, one_of


class Shift(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    storefront = models.ForeignKey("storefronts.Storefront", on_delete=models.PROTECT, related_name="shifts")
    cashier_id = models.UUIDField()
    terminal_id = models.UUIDField(null=True, blank=True)
    opening_float = MoneyField()
    opened_at = models.DateTimeField()
    opened_by_id = models.UUIDField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_id = models.UUIDField(null=True, blank=True)
    close_note = models.CharField(max_length=500, blank=True, default="")
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "shifts_shift"
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "cashier_id"],
                condition=Q(closed_at__isnull=True),
                name="shift_one_open",
            ),
            models.CheckConstraint(condition=Q(opening_float__gte=0), name="shift_float_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.storefront_id} {self.cashier_id} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CashMovement(models.Model):
    class Kind(models.TextChoices):
        IN = "in", "Cash in"
        OUT = "out", "Cash out"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="cash_movements")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = MoneyField()
    reason = models.CharField(max_length=500)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "shifts_cash_movement"
        ordering = ["shift_id", "occurred_at"]
        constraints = [
            models.CheckConstraint(condition=one_of("kind", ["in", "out"]), name="cash_movement_kind"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_movement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class ShiftCount(models.Model):
    """Expected versus counted, per payment method, at a shift's close."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="counts")
    method_code = models.CharField(max_length=32)
    method_kind = models.CharField(max_length=16)
    expected = MoneyField()
    counted = MoneyField(null=True, blank=True)
    difference = MoneyField(null=True, blank=True)

    class Meta:
        db_table = "shifts_count"
        ordering = ["shift_id", "method_code"]
        constraints = [models.UniqueConstraint(fields=["shift", "method_code"], name="shift_count_unique")]

    def __str__(self) -> str:
        return f"{self.method_code}: {self.expected} / {self.counted}"
