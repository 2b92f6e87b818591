from __future__ import annotations

import uuid

from django.db.models import QuerySet

from tenant_apps.shifts.models import Shift


def shift_list(
    *, storefront_id: uuid.UUID | None = None, cashier_id: uuid.UUID | None = None, open_only: bool = False
) -> QuerySet[Shift]:
    qs = Shift.objects.prefetch_related("counts").order_by("-opened_at")
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    if cashier_id is not None:
        qs = qs.filter(cashier_id=cashier_id)
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    return qs
