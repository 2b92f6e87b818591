"""Tax categories and their rates with effective dates.

A product has a tax category; a category has rates (VAT, NHIL, GETFund, ...), each in force from
``effective_from`` until ``effective_to`` (open-ended when null). A compound rate is charged on the
price plus the category's non-compound rates (Ghana's VAT on top of the levies).
"""

from __future__ import annotations

import uuid

from django.db import models


class TaxCategory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "taxes_category"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z0-9_]{1,16}$"), name="tax_category_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class TaxRate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(TaxCategory, on_delete=models.PROTECT, related_name="rates")
    code = models.CharField(max_length=16)
    name = models.CharField(max_length=80)
    # Percent: 15.0000 is 15 %.
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    compound = models.BooleanField(default=False)
    # Order in which a category's taxes are listed on receipts.
    position = models.PositiveSmallIntegerField(default=0)
    effective_from = models.DateTimeField()
    effective_to = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "taxes_rate"
        ordering = ["category_id", "position", "code", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rate__gte=0, rate__lte=100), name="tax_rate_percent"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="tax_rate_period",
            ),
            models.UniqueConstraint(
                fields=["category", "code", "effective_from"], name="tax_rate_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["category", "effective_from"], name="tax_rate_category_from")]

    def __str__(self) -> str:
        return f"{self.code} {self.rate}%"
