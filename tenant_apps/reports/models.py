"""Per-hour sales figures of each storefront, kept by the database as sales and their events are
written: what the dashboard's and the reports' periods sum instead of a period's sales.

Each row is a delta for one storefront and one UTC hour: the sales that occurred in it (count,
net, tax, total), less those of its sales since voided, and the refunds given in it (count,
amount). Statement-level triggers on ``sales_sale`` and ``sales_event`` insert the deltas of each
statement in the writer's own transaction (one row per storefront and hour the statement
touched, grouped from its transition table), so the figures are exact at every commit, a late
offline sale for a closed day included. Nothing ever updates a row, so concurrent sales never
wait on each other here; :func:`tenant_apps.reports.services.sales_hours_compact` merges each
hour's deltas into one row now and then (beat, hourly), which changes no sum.

Hours, not days: a day of any time zone whose offset is a whole number of hours is a run of UTC
hours, so the rows stay true when the shop changes its time zone; for other zones the readers
sum the sales themselves (:func:`tenant_apps.reports.selectors.hours_cover`).
"""

from __future__ import annotations

from django.db import models

from pos_platform.db.fields import MoneyField

FIGURES = ["sales_count", "net", "tax", "total", "refund_count", "refunded"]


class SalesHour(models.Model):
    id = models.BigAutoField(primary_key=True)
    storefront_id = models.UUIDField()
    # The start of the UTC hour.
    hour = models.DateTimeField()
    sales_count = models.IntegerField()
    net = MoneyField()
    tax = MoneyField()
    total = MoneyField()
    refund_count = models.IntegerField()
    refunded = MoneyField()

    class Meta:
        db_table = "reports_sales_hour"
        indexes = [
            # Covering: a period's sums are read from the index alone.
            models.Index(fields=["hour", "storefront_id"], include=FIGURES, name="sales_hour_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.storefront_id} {self.hour:%Y-%m-%d %H}:00"
