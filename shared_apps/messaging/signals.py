"""Sent after the outbox records a message as accepted by its provider (``message_id``,
``channel``): for metrics, and for the tests that kill a worker at that very point."""

from django.dispatch import Signal

message_sent = Signal()
