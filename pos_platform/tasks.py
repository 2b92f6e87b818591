"""Platform-level tasks."""

from __future__ import annotations

from typing import Any

from pos_platform.celery import app
from pos_platform.db import connection


@app.task(name="pos_platform.tenant_probe")
def tenant_probe() -> dict[str, Any]:
    """Report which schema the task ran in and how many storefronts it sees there.

    Used by operators (and the tests) to check that a worker runs tasks in the sender's tenant.
    """
    from tenant_apps.storefronts.models import Storefront

    return {"schema": connection.schema_name, "storefronts": Storefront.objects.count()}
