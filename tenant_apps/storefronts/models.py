from __future__ import annotations

import uuid

from django.db import models


class Storefront(models.Model):
    """An outlet of the tenant; its short code prefixes receipt numbers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z0-9]{2,8}$"), name="storefront_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
