"""Customers' receipts: the public address of a sale's receipt, and each request to send it.

Kept apart from the sale tables (which are written by the hot sale paths): a receipt link or a
customer's contact never touches a sale row.
"""

from __future__ import annotations

import uuid

from django.db import models

from pos_platform.db.fields import one_of


class ReceiptLink(models.Model):
    """A sale's receipt is public at ``/r/<token>``: the token is derived from the sale (an HMAC
    under the server's key, so it can be given again without being stored) and only its SHA-256
    digest is kept, to find the sale."""

    sale = models.OneToOneField("sales.Sale", on_delete=models.CASCADE, primary_key=True, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "receipts_link"

    def __str__(self) -> str:
        return f"receipt link of {self.sale_id}"


class ReceiptRequest(models.Model):
    """A receipt to send to a customer's number or address: given at the sale (online input, or a
    terminal's sale op) or asked for afterwards by a cashier. One per sale, channel and address."""

    class Source(models.TextChoices):
        ONLINE = "online", "Online sale"
        TERMINAL = "terminal", "Terminal sale op"
        STAFF = "staff", "Sent by staff"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sale = models.ForeignKey("sales.Sale", on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(max_length=16)
    to = models.CharField(max_length=254)
    language = models.CharField(max_length=8, default="en")
    source = models.CharField(max_length=16, choices=Source.choices)
    # The outbox row (public schema) that carries it.
    message_id = models.UUIDField(null=True, blank=True)
    requested_by = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "receipts_request"
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "channel", "to"], name="receipt_request_unique"),
            # one_of: the same text in a migrated schema and one built from the snapshot.
            models.CheckConstraint(
                condition=one_of("channel", ["email", "sms", "whatsapp"]), name="receipt_request_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"receipt of {self.sale_id} by {self.channel}"
