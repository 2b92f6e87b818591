"""Per-tenant beat jobs (no ``tenant_schemas``: beat sends one per tenant, run in its schema)."""

from __future__ import annotations

from celery import shared_task

from tenant_apps.alerts.services import daily_summary_send, low_stock_alerts_send


@shared_task(name="alerts.low_stock")
def low_stock() -> int:
    return low_stock_alerts_send()


@shared_task(name="alerts.daily_summary")
def daily_summary() -> bool:
    return daily_summary_send()
