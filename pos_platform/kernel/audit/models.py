from __future__ import annotations

import uuid

from django.db import models


class AuditEvent(models.Model):
    """One audited event in a tenant: admin changes and security events. Insert only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The acting user (public schema, so no FK); null for the system or an anonymous attempt.
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    # What to show for the actor: an email, "terminal:<code>", "system:<job>".
    actor_label = models.CharField(max_length=254, blank=True, default="")
    # "<area>.<verb>", e.g. "product.update", "auth.login_failed", "token.revoked".
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    storefront_id = models.UUIDField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
