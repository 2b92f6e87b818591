"""Code run in other processes by the concurrency tests (importable by a spawned interpreter)."""

from __future__ import annotations

import os
import random
import uuid
from typing import Any


def sell_many(
    database_url: str,
    slug: str,
    storefront_id: str,
    cashier_id: str,
    products: list[str],
    count: int,
    seed: int,
) -> dict[str, Any]:
    """Record ``count`` online sales in the tenant ``slug``; report successes and refusal codes."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from decimal import Decimal

    from pos_platform.db import connection
    from pos_platform.kernel.errors import ApplicationError
    from shared_apps.tenants.models import Tenant
    from tenant_apps.sales.services import PaymentInput, SaleLineInput, sale_record

    connection.set_tenant(Tenant.objects.get(slug=slug))
    rng = random.Random(seed)
    ok, refused = 0, {}  # type: ignore[var-annotated]
    try:
        for _ in range(count):
            try:
                sale_record(
                    storefront_id=uuid.UUID(storefront_id),
                    cashier_id=uuid.UUID(cashier_id),
                    lines=[SaleLineInput(uuid.UUID(rng.choice(products)), Decimal(rng.randint(1, 3)))],
                    payments=[PaymentInput("cash", Decimal(1000))],
                )
                ok += 1
            except ApplicationError as exc:
                refused[exc.code] = refused.get(exc.code, 0) + 1
    finally:
        connection.close()
    return {"ok": ok, "refused": refused}
