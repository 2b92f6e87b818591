from __future__ import annotations

from django.db import models


class PlatformAuditEntry(models.Model):
    """One platform action. Rows are only ever inserted."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # "cli:<os user>", a staff email, or "system:<job>".
    actor = models.CharField(max_length=254)
    action = models.CharField(max_length=64)
    # The slug, kept as text so the entry outlives a deleted tenant.
    tenant_slug = models.CharField(max_length=40, blank=True, default="", db_index=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "platform audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.tenant_slug}"
