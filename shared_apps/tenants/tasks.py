"""Background jobs of the tenancy app."""

from __future__ import annotations

from typing import Any

from pos_platform.celery import app
from shared_apps.tenants import provisioning


@app.task(name="tenants.schema_pool_fill", ignore_result=True)
def schema_pool_fill() -> dict[str, Any]:
    """Top up the pool of pre-built tenant schemas (queued after each tenant create, and every
    few minutes by beat)."""
    report = provisioning.pool_fill()
    return {"ready": report.ready, "built": report.built, "dropped": report.dropped, "filled": report.filled}
