from __future__ import annotations

from celery import shared_task

from tenant_apps.reports.services import sales_hours_compact


@shared_task(name="reports.sales_hours_compact")
def sales_hours_compact_task() -> int:
    """Merge the per-hour sales deltas written since the last run (per tenant, hourly)."""
    return sales_hours_compact()
