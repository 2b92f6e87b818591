from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import can
from tenant_apps.shifts.models import Shift


def shift_list(
    *, storefront_id: uuid.UUID | None = None, cashier_id: uuid.UUID | None = None, open_only: bool = False
) -> QuerySet[Shift]:
    qs = Shift.objects.select_related("storefront").prefetch_related("counts").order_by("-opened_at")
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    if cashier_id is not None:
        qs = qs.filter(cashier_id=cashier_id)
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    return qs


def shift_actionable(*, membership: Membership | None, user_id: Any, shift: Shift) -> bool:
    """May this member see and act on the shift: their own (``shift.operate``), or any of its
    storefront as a supervisor (``shift.manage``)? The API's rule and the back office's."""
    own = shift.cashier_id == user_id and can(membership, "shift.operate", storefront_id=shift.storefront_id)
    return own or can(membership, "shift.manage", storefront_id=shift.storefront_id)
