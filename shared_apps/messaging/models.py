"""The outbox and what steers it: every e-mail, SMS and WhatsApp message the platform sends.

A :class:`Message` row is written in the transaction of the event that causes it (a rolled-back
sale leaves none; a committed one is never forgotten), already rendered in its recipient's
language, and delivered from the database: a kick after commit and a sweep of due rows by Celery
beat. ``key`` is unique, so an event recorded twice queues one message, and a delivery claims its
row before sending, so a task run twice sends once.

Everything lives in the public schema: one sweep serves every shop, and a shop's rows are tied to
it by ``tenant`` (deleted with it).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"


class Category(models.TextChoices):
    """What a message is about; preferences and opt-outs are per category."""

    # Password reset, verification codes, invitations, MFA notices: never muted by preferences.
    SECURITY = "security", "Account and security"
    RECEIPT = "receipt", "Receipts for customers"
    STOCK = "stock", "Low stock alerts"
    SUMMARY = "summary", "Daily summary"
    BILLING = "billing", "Billing notices"


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        # The provider refused it for good (bad address, blocked), or reported it undelivered.
        FAILED = "failed", "Failed"
        # Every attempt failed for a reason that might have passed: the dead-letter state.
        DEAD = "dead", "Dead letter"
        # Not sent: the address opted out, or the person's preferences mute this category.
        SUPPRESSED = "suppressed", "Suppressed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What makes two messages the same one (e.g. "receipt:<tenant>:<sale>:sms:+233..."): unique.
    key = models.CharField(max_length=300, unique=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The template it was rendered from (``messages/<kind>/...``).
    kind = models.CharField(max_length=64)
    category = models.CharField(max_length=16, choices=Category.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # An e-mail address, or a phone number in E.164.
    to = models.CharField(max_length=254)
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=300, blank=True, default="")
    body = models.TextField()
    html = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While SENDING: until when the claim holds; a delivery that died is retried after it.
    lease_until = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=32, blank=True, default="")
    provider_message_id = models.CharField(max_length=200, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["queued", "sending", "sent", "delivered", "failed", "dead", "suppressed"]
                ),
                name="messaging_message_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "whatsapp"]), name="messaging_message_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_until__isnull=False),
                name="messaging_message_sending_leased",
            ),
        ]
        indexes = [
            # The sweep: due rows only.
            models.Index(
                fields=["next_attempt_at"],
                name="messaging_message_due",
                condition=Q(status__in=["queued", "sending"]),
            ),
            models.Index(
                fields=["provider", "provider_message_id"],
                name="messaging_message_provider_id",
                condition=~Q(provider_message_id=""),
            ),
            models.Index(fields=["tenant", "created_at"], name="messaging_message_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"


class DeliveryReport(models.Model):
    """A provider's report on a message it accepted, kept as received; the same report twice is
    one row (unique), so a callback retried by the provider changes nothing."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    provider = models.CharField(max_length=32)
    provider_message_id = models.CharField(max_length=200)
    status = models.CharField(max_length=32)
    reason = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id", "status"], name="messaging_report_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_message_id}: {self.status}"


class Suppression(models.Model):
    """An address that asked for no more messages of a category (``""``: none at all, except
    security messages, which a person needs to keep their account)."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    address = models.CharField(max_length=254)
    category = models.CharField(max_length=16, blank=True, default="")
    reason = models.CharField(max_length=64, default="opt_out")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address", "category"], name="messaging_suppression_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} {self.category or 'all'}"


class Preference(models.Model):
    """One person's choices: language, phone, the channel for alerts, categories muted. Per shop
    (``tenant``) or for every shop (``tenant`` empty, the default that a shop's row overrides)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8, blank=True, default="")
    # E.164; where SMS and WhatsApp alerts go.
    phone = models.CharField(max_length=20, blank=True, default="")
    # The channel for alerts and notices: email, sms or whatsapp.
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    muted = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="messaging_preference_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(tenant__isnull=True), name="messaging_preference_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id or '*'}"


class ShopMessaging(models.Model):
    """A shop's settings for messages: which alerts it sends, and when its day ends."""

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    low_stock_alerts = models.BooleanField(default=True)
    daily_summary = models.BooleanField(default=True)
    # The daily summary goes out at this local time (the shop's time zone).
    closing_time = models.TimeField(default=dt.time(20, 0))
    # The language of the shop's customers' receipts when the cashier gives none.
    language = models.CharField(max_length=8, default="en")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"messages of {self.tenant_id}"
