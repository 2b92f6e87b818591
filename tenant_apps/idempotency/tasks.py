from __future__ import annotations

from celery import shared_task

from tenant_apps.idempotency.services import idempotency_purge


@shared_task(name="idempotency.purge")
def idempotency_purge_task() -> int:
    """Forget idempotency keys older than two days (runs per tenant, daily)."""
    return idempotency_purge()
