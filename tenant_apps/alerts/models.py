"""What the shop's alerts have already told: a product low at a storefront on a shop day (at most
one alert each), and the shop days whose summary went out. Unique constraints decide."""

from __future__ import annotations

from django.db import models


class LowStockNotice(models.Model):
    id = models.BigAutoField(primary_key=True)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+", db_index=False)
    storefront = models.ForeignKey("storefronts.Storefront", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    level = models.DecimalField(max_digits=18, decimal_places=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "alerts_low_stock"
        constraints = [
            models.UniqueConstraint(
                fields=["product", "storefront", "day"], name="alerts_low_stock_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.storefront_id} {self.day}"


class DailySummarySent(models.Model):
    day = models.DateField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "alerts_daily_summary"

    def __str__(self) -> str:
        return f"summary of {self.day}"
