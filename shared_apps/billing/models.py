"""Billing records, all in the public schema: the platform bills tenants; tenants only read.

* :class:`PricingTier`: what a number of active storefronts costs, per currency. Active tiers of a
  currency cover 1.. without overlap (an exclusion constraint) or gap (a deferred constraint
  trigger); a price change retires a tier and adds its successor.
* :class:`TaxRate`: platform tax rates and service charges, effective from a date, append-only.
* :class:`Subscription`: one per tenant; status, the paid (or trial) period, and the snapshots of
  the storefront count and the price the next invoice will charge.
* :class:`Invoice`: immutable once issued (a trigger refuses changes to its money and snapshot).
* :class:`PaymentEvent`: a provider's payment notification, recorded once per provider event id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import IntegerRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_noop

CURRENCY_RE = r"^[A-Z]{3}$"


class Int4Range(Func):
    function = "int4range"
    output_field = IntegerRangeField()


class PricingTier(models.Model):
    """Tenants with ``min_storefronts``..``max_storefronts`` active storefronts (``max`` None: and
    more) pay ``base_price``, plus ``price_per_additional`` for each storefront above the minimum."""

    currency = models.CharField(max_length=3)
    min_storefronts = models.PositiveIntegerField()
    max_storefronts = models.PositiveIntegerField(null=True, blank=True)
    base_price = models.DecimalField(max_digits=12, decimal_places=2)
    price_per_additional = models.DecimalField(max_digits=12, decimal_places=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=254, blank=True, default="")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["currency", "min_storefronts", "-is_active", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_RE), name="billing_tier_currency"),
            models.CheckConstraint(condition=Q(min_storefronts__gte=1), name="billing_tier_min_positive"),
            models.CheckConstraint(
                condition=Q(max_storefronts__isnull=True) | Q(max_storefronts__gte=F("min_storefronts")),
                name="billing_tier_max_not_below_min",
            ),
            models.CheckConstraint(
                condition=Q(base_price__gte=0, price_per_additional__gte=0), name="billing_tier_prices"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, retired_at__isnull=True)
                | Q(is_active=False, retired_at__isnull=False),
                name="billing_tier_retired_iff_inactive",
            ),
            # Two active tiers of one currency never share a storefront count. Gaps are refused by
            # the deferred trigger billing_tiers_contiguous (migration 0002).
            ExclusionConstraint(
                name="billing_tier_no_overlap",
                expressions=[
                    ("currency", RangeOperators.EQUAL),
                    (Int4Range("min_storefronts", "max_storefronts", Value("[]")), RangeOperators.OVERLAPS),
                ],
                condition=Q(is_active=True),
            ),
        ]

    def __str__(self) -> str:
        upper = self.max_storefronts if self.max_storefronts is not None else "+"
        return f"{self.currency} {self.min_storefronts}-{upper}"


class TaxRate(models.Model):
    """A platform tax or service charge on invoices in ``currency``, as a percentage of the
    invoice's base amount, from ``effective_from`` until a later row of the same code."""

    class Kind(models.TextChoices):
        TAX = "tax", "Tax"
        SERVICE_CHARGE = "service_charge", "Service charge"

    currency = models.CharField(max_length=3)
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TAX)
    # Percent: 15.0000 is 15 %.
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    effective_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        ordering = ["currency", "code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "code", "effective_from"], name="billing_taxrate_once_per_day"
            ),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_RE), name="billing_taxrate_currency"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z][a-z0-9_]{0,31}$"), name="billing_taxrate_code"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100), name="billing_taxrate_range"),
            models.CheckConstraint(
                condition=Q(kind__in=["tax", "service_charge"]), name="billing_taxrate_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.code} {self.rate}% from {self.effective_from}"


class Subscription(models.Model):
    class Status(models.TextChoices):
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        SUSPENDED = "suspended", "Suspended"
        CANCELLED = "cancelled", "Cancelled"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="subscription")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRIALING)
    currency = models.CharField(max_length=3)
    # The first paid period starts here; each later one ends a whole number of months after it,
    # so periods do not drift (31 Jan, 28 Feb, 31 Mar, ...).
    anchor_on = models.DateField()
    # The period paid for (or the trial), end exclusive. A payment moves it to the invoice's.
    period_start = models.DateField()
    period_end = models.DateField()
    # Active storefronts when last counted, and the most active at once since the last invoice
    # was issued: the next invoice bills the latter (docs/billing.md, "What is billed").
    storefront_count = models.PositiveIntegerField(default=0)
    peak_storefront_count = models.PositiveIntegerField(default=0)
    # The tier and base amount the next invoice will charge at today's tiers; None when no
    # active tier covers the currency.
    tier = models.ForeignKey(
        PricingTier, on_delete=models.SET_NULL, null=True, blank=True, related_name="subscriptions"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # When the snapshot last changed; empty until the storefronts are first counted, so that the
    # first count is not mistaken for a drift.
    priced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["trialing", "active", "past_due", "suspended", "cancelled"]),
                name="billing_subscription_status",
            ),
            models.CheckConstraint(
                condition=Q(peak_storefront_count__gte=F("storefront_count")),
                name="billing_subscription_peak_not_below_count",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="billing_subscription_period"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_subscription_amount"),
        ]

    def __str__(self) -> str:
        return f"subscription of tenant {self.tenant_id} ({self.status})"


class Invoice(models.Model):
    """One billing period's charge, frozen when issued.

    Only ``status``/``paid_at`` (open -> paid, once) and the detaching of a deleted tenant may
    change; the database refuses any other update and any delete (migration 0002).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=24, unique=True)
    # What the customer quotes to the payment provider; the webhook finds the invoice by it.
    reference = models.CharField(max_length=40, unique=True)
    # Kept when the tenant is deleted: invoices are the platform's accounting records.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    tenant_slug = models.CharField(max_length=40)
    tier = models.ForeignKey(
        PricingTier, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField()
    issued_on = models.DateField()
    due_on = models.DateField()
    storefront_count = models.PositiveIntegerField()
    base_amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)
    charge_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # The tier's configuration, the count, each tax and charge line with its rate, the rounding.
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-number"]
        constraints = [
            # One invoice per tenant and period: issuing twice cannot bill twice.
            models.UniqueConstraint(
                fields=["tenant", "period_start"], name="billing_invoice_once_per_period"
            ),
            models.CheckConstraint(condition=Q(status__in=["open", "paid"]), name="billing_invoice_status"),
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False) | Q(status="open", paid_at__isnull=True),
                name="billing_invoice_paid_at",
            ),
            models.CheckConstraint(
                condition=Q(base_amount__gte=0, tax_amount__gte=0, charge_amount__gte=0),
                name="billing_invoice_amounts",
            ),
            models.CheckConstraint(
                condition=Q(total=F("base_amount") + F("tax_amount") + F("charge_amount")),
                name="billing_invoice_total",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="billing_invoice_period"
            ),
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="billing_invoice_due"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-issued_on"], name="billing_inv_tenant_issued"),
            models.Index(fields=["due_on"], condition=Q(status="open"), name="billing_inv_open_due"),
        ]

    def __str__(self) -> str:
        return self.number

    # A guard, not business logic: code that tries to change an issued invoice fails here with a
    # clear error before the database trigger refuses it.
    MUTABLE_FIELDS = frozenset({"status", "paid_at"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS
        ):
            from shared_apps.billing.errors import InvoiceImmutable

            raise InvoiceImmutable(
                gettext_noop("Invoice %(number)s is issued: only its payment can be recorded."),
                params={"number": self.number},
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from shared_apps.billing.errors import InvoiceImmutable

        raise InvoiceImmutable(
            gettext_noop("Invoice %(number)s is issued: it cannot be deleted."),
            params={"number": self.number},
        )


class PaymentEvent(models.Model):
    """A provider's notification of a successful payment; inserted once, never changed."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        # A second, distinct payment of an invoice already paid: kept for a refund.
        ALREADY_PAID = "already_paid", "Invoice already paid"

    provider = models.CharField(max_length=20)
    # The provider's id of the transaction (Paystack: data.id); unique per provider.
    provider_event_id = models.CharField(max_length=100)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    provider_paid_at = models.CharField(max_length=40, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"], name="billing_payment_event_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_event_id}"
