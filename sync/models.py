"""Terminals, the change feed they pull, the batches and operations they push, conflicts.

All tables live in the tenant's schema.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from tenant_apps.storefronts.models import Storefront


class Terminal(models.Model):
    """A paired point-of-sale device of one storefront."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting pairing"
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="terminals")
    # Short code, unique in its storefront: receipt numbers are <storefront>-<terminal>-<counter>.
    code = models.CharField(max_length=8)
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    pairing_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    credential_prefix = models.CharField(max_length=16, blank=True, default="")
    credential_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.UUIDField(null=True, blank=True)
    device_name = models.CharField(max_length=120, blank=True, default="")
    app_version = models.CharField(max_length=40, blank=True, default="")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Server clock minus terminal clock at its last batch, in milliseconds.
    clock_offset_ms = models.BigIntegerField(null=True, blank=True)
    last_applied_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["storefront_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["storefront", "code"], name="sync_terminal_code_unique"),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z0-9]{1,8}$"), name="sync_terminal_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Change(models.Model):
    """One change to a pulled object, written by triggers on the source tables (migration 0002),
    with ids handed out in commit order per tenant (see sync/feed.py)."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=32)
    object_id = models.UUIDField()
    deleted = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}{' (deleted)' if self.deleted else ''}"


class Batch(models.Model):
    """A batch a terminal pushed, with the response it got: a replay gets the same answer."""

    id = models.BigAutoField(primary_key=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="batches")
    batch_id = models.UUIDField()
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    terminal_time = models.DateTimeField(null=True, blank=True)
    ops = models.PositiveIntegerField(default=0)
    # The answer as sent (JSON bytes): a replay gets it byte for byte.
    response = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["terminal", "batch_id"], name="sync_batch_unique"),
        ]

    def __str__(self) -> str:
        return str(self.batch_id)


class Op(models.Model):
    """One operation a terminal uploaded, keyed by its client-made id (a database constraint)."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"
        PENDING = "pending", "Pending"

    op_id = models.UUIDField(primary_key=True)
    # Served by the unique (terminal, seq) index.
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="ops", db_index=False)
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices)
    code = models.CharField(max_length=64, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")
    # The id of what the op created (a sale, a refund, a shift ...).
    result_id = models.UUIDField(null=True, blank=True)
    conflicts = models.JSONField(default=list, blank=True)
    # The op as uploaded, kept when it was not applied (a held void or refund is applied from it
    # later; a rejection can be investigated). An applied op's data lives in what it created.
    payload = models.JSONField(null=True, blank=True)
    # For a void or refund held until its sale arrives: the sale's op id.
    waits_for = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["terminal", "seq"], name="sync_op_terminal_seq_unique"),
        ]
        indexes = [
            # Only held voids and refunds have it.
            models.Index(
                fields=["waits_for"], name="sync_op_waits_for", condition=Q(waits_for__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.op_id} {self.status}"


class Conflict(models.Model):
    """Something an offline operation did that an admin should look at. It was applied anyway."""

    class Kind(models.TextChoices):
        OVERSOLD = "oversold", "Oversold"
        PRICE_MISMATCH = "price_mismatch", "Price mismatch"
        TOTAL_MISMATCH = "total_mismatch", "Total mismatch"
        RECEIPT_CLASH = "receipt_clash", "Receipt number clash"
        CLOCK_SKEW = "clock_skew", "Clock skew"
        PAYMENT_MISMATCH = "payment_mismatch", "Payment mismatch"
        SHIFT_MISSING = "shift_missing", "Shift missing"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Resolution(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        STOCK_ADJUSTED = "stock_adjusted", "Stock adjusted"
        ANNOTATED = "annotated", "Annotated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="conflicts")
    op = models.ForeignKey(Op, on_delete=models.PROTECT, related_name="conflict_rows")
    storefront_id = models.UUIDField()
    sale_id = models.UUIDField(null=True, blank=True)
    product_id = models.UUIDField(null=True, blank=True)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(max_length=32, choices=Resolution.choices, blank=True, default="")
    note = models.TextField(blank=True, default="")
    resolved_by = models.UUIDField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "kind"], name="sync_conflict_status_kind"),
            models.Index(fields=["terminal", "status"], name="sync_conflict_terminal"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class CashierPin(models.Model):
    """The verifier of a cashier's PIN at this shop, sent to its terminals so that a cashier signs
    in offline: PBKDF2-HMAC-SHA256 of the PIN with a salt of the person's own, never the PIN.

    One row per person, never deleted (the feed would read a deletion as the cashier's): a reset
    empties ``verifier`` until a new PIN is set."""

    user_id = models.UUIDField(primary_key=True)
    salt = models.CharField(max_length=44, blank=True, default="")
    iterations = models.PositiveIntegerField(default=0)
    # base64 of the 32-byte derived key; empty: no PIN (reset, or never set).
    verifier = models.CharField(max_length=44, blank=True, default="")
    set_at = models.DateTimeField()
    set_by = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "sync_cashier_pin"

    def __str__(self) -> str:
        return f"PIN of {self.user_id}"
