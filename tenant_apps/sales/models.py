"""Sales: immutable records of what was sold, for how much, paid how.

A sale, its lines, payments and events are inserted once and never changed (a database trigger
refuses UPDATE and DELETE). What happened afterwards (a void, refunds) is an event in the sale's
log; the sale's status is derived from its events.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from pos_platform.db.fields import MoneyField, QuantityField, one_of


class PaymentMethod(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", "Cash"
        MOBILE_MONEY = "mobile_money", "Mobile money"
        CARD = "card", "Card"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sales_payment_method"
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=one_of("kind", ["cash", "mobile_money", "card"]), name="payment_method_kind"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z0-9_]{1,32}$"), name="payment_method_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code


# What a period's sums and filters read from a sale, beside its time and storefront (covering
# indexes).
SUMMED = ["id", "total", "tax_total", "net_total", "cashier_id", "payment_method_ids"]


class Sale(models.Model):
    class Origin(models.TextChoices):
        ONLINE = "online", "Online"
        TERMINAL = "terminal", "Terminal"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: sale_storefront_occurred (storefront, occurred_at) serves it.
    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.PROTECT, related_name="sales", db_index=False
    )
    # The cashier's public user id (no FK across schemas).
    cashier_id = models.UUIDField()
    shift = models.ForeignKey(
        "shifts.Shift", on_delete=models.PROTECT, null=True, blank=True, related_name="sales"
    )
    origin = models.CharField(max_length=16, choices=Origin.choices)
    terminal_id = models.UUIDField(null=True, blank=True)
    receipt_number = models.CharField(max_length=48)
    # The day of occurred_at in the shop's time zone, when the sale was recorded.
    business_date = models.DateField()
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    prices_include_tax = models.BooleanField()
    subtotal = MoneyField()
    line_discount_total = MoneyField()
    sale_discount = MoneyField()
    net_total = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    paid_total = MoneyField()
    change_total = MoneyField()
    # [{code, name, rate, compound, base, amount}] summed over the lines: the tax snapshot.
    tax_breakdown = models.JSONField(default=list)
    # What the client said the totals were (advisory; the server's figures win).
    client_totals = models.JSONField(null=True, blank=True)
    # Conflicts flagged when the sale was recorded (offline sales only).
    conflicts = models.JSONField(default=list)
    note = models.CharField(max_length=500, blank=True, default="")
    # The methods its payments used (ids, sorted, each once), written with the sale: a list
    # filtered by payment method reads them from the covering index instead of probing each
    # sale's payments.
    payment_method_ids = ArrayField(models.UUIDField(), default=list, blank=True)

    class Meta:
        db_table = "sales_sale"
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=one_of("origin", ["online", "terminal"]), name="sale_origin_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin="online") | Q(terminal_id__isnull=False), name="sale_terminal_has_id"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(subtotal__gte=0), name="sale_totals_positive"
            ),
            # Server-made numbers are unique; terminal numbers may clash (flagged, never renumbered).
            models.UniqueConstraint(
                fields=["receipt_number"], condition=Q(origin="online"), name="sale_online_receipt_unique"
            ),
        ]
        indexes = [
            # Covering: the lists' totals and the reports' sums over a period (their sale ids,
            # money and who sold) are read from the index alone, not from every sale's row.
            models.Index(fields=["occurred_at"], name="sale_occurred_cover", include=SUMMED),
            models.Index(
                fields=["storefront", "occurred_at"], name="sale_storefront_occurred_cover", include=SUMMED
            ),
            models.Index(fields=["receipt_number"], name="sale_receipt"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class SaleLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Served by the unique (sale, position) and sale_line_product indexes.
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines", db_index=False)
    position = models.PositiveSmallIntegerField()
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+", db_index=False)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = QuantityField()
    unit_price = MoneyField()
    # The price the terminal used, when it differed from the server's.
    client_unit_price = MoneyField(null=True, blank=True)
    gross = MoneyField()
    discount = MoneyField()
    sale_discount_share = MoneyField()
    net = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    taxes = models.JSONField(default=list)

    class Meta:
        db_table = "sales_line"
        ordering = ["sale_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "position"], name="sale_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_line_quantity_positive"),
        ]
        indexes = [models.Index(fields=["product"], name="sale_line_product")]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Served by the unique (sale, position) index.
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="payments", db_index=False)
    position = models.PositiveSmallIntegerField()
    method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)
    # Applied to the sale; for cash, tendered - change.
    amount = MoneyField()
    tendered = MoneyField()
    change = MoneyField()
    provider = models.CharField(max_length=40, blank=True, default="")
    reference = models.CharField(max_length=80, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    auth_code = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        db_table = "sales_payment"
        ordering = ["sale_id", "position"]
        constraints = [
            # The method included: a sales list filtered by method probes each sale's payments
            # in the index alone.
            models.UniqueConstraint(
                fields=["sale", "position"], include=["method"], name="payment_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(change__gte=0)
                & Q(tendered=models.F("amount") + models.F("change")),
                name="payment_amounts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class SaleEvent(models.Model):
    """One entry of a sale's log: created, voided, refunded. Never changed."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        VOIDED = "voided", "Voided"
        REFUNDED = "refunded", "Refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Served by sale_event_sale_kind (sale, kind).
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True)
    terminal_id = models.UUIDField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    # Money returned to the customer (refund) or reversed (void).
    amount = MoneyField(default=0)
    net = MoneyField(default=0)
    tax = MoneyField(default=0)
    taxes = models.JSONField(default=list)
    restock = models.BooleanField(default=False)
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # The shift whose drawer paid a refund out.
    shift = models.ForeignKey(
        "shifts.Shift", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        db_table = "sales_event"
        ordering = ["sale_id", "occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=one_of("kind", ["created", "voided", "refunded"]), name="sale_event_kind"
            ),
            models.UniqueConstraint(
                fields=["sale"], condition=Q(kind="created"), name="sale_event_one_created"
            ),
            models.UniqueConstraint(fields=["sale"], condition=Q(kind="voided"), name="sale_event_one_void"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sale_event_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="sale_event_occurred"),
            models.Index(fields=["sale", "kind"], name="sale_event_sale_kind"),
            # Refunds are few: the reports' refund sums by day and a list's refunded total read
            # them alone, from the index.
            models.Index(
                fields=["occurred_at"],
                name="sale_event_refunded",
                condition=Q(kind="refunded"),
                include=["sale", "amount"],
            ),
            # Only refunds and voids have these: partial indexes cost created events nothing.
            models.Index(fields=["shift"], name="sale_event_shift", condition=Q(shift__isnull=False)),
            models.Index(
                fields=["payment_method"],
                name="sale_event_payment_method",
                condition=Q(payment_method__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sale_id}"


class RefundLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(SaleEvent, on_delete=models.PROTECT, related_name="refund_lines")
    sale_line = models.ForeignKey(SaleLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = QuantityField()
    net = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    taxes = models.JSONField(default=list)

    class Meta:
        db_table = "sales_refund_line"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="refund_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.sale_line_id} x {self.quantity}"


class ReceiptCounter(models.Model):
    """The last online receipt number per storefront and business day (gap-free)."""

    storefront = models.ForeignKey("storefronts.Storefront", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "sales_receipt_counter"
        constraints = [models.UniqueConstraint(fields=["storefront", "day"], name="receipt_counter_unique")]

    def __str__(self) -> str:
        return f"{self.storefront_id} {self.day}: {self.last_value}"
