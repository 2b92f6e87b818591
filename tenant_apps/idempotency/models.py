"""Stored responses of POST requests sent with an ``Idempotency-Key`` header."""

from __future__ import annotations

from django.db import models


class IdempotentRequest(models.Model):
    actor_id = models.UUIDField()
    key = models.CharField(max_length=255)
    # "<METHOD> <path>" the key was first used for.
    scope = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "idempotency_request"
        constraints = [models.UniqueConstraint(fields=["actor_id", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
