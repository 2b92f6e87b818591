"""Admin actions on sync conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sync.errors import ConflictAlreadyResolved, ConflictNotFound
from sync.models import Conflict
from tenant_apps.audit.services import audit_record

# Set by the stock integration: (product_id, storefront_id, quantity, reason, actor_id) -> movement id
StockAdjuster = Callable[..., uuid.UUID]


@transaction.atomic
def conflict_resolve(
    *,
    conflict_id: uuid.UUID,
    resolution: str,
    note: str,
    actor_id: uuid.UUID | None,
    actor_label: str = "",
    adjust_quantity: Decimal | None = None,
    adjust_stock: StockAdjuster | None = None,
) -> Conflict:
    """Resolve an open conflict: accept it as is, annotate it, or adjust stock with a movement."""
    conflict = Conflict.objects.select_for_update().filter(pk=conflict_id).first()
    if conflict is None:
        raise ConflictNotFound()
    if conflict.status == Conflict.Status.RESOLVED:
        raise ConflictAlreadyResolved()
    details: dict[str, Any] = {"resolution": resolution, "note": note}
    if resolution == Conflict.Resolution.STOCK_ADJUSTED:
        assert adjust_stock is not None and adjust_quantity is not None
        movement_id = adjust_stock(
            product_id=conflict.product_id,
            storefront_id=conflict.storefront_id,
            quantity=adjust_quantity,
            reason=f"sync conflict {conflict.pk}: {note}",
            actor_id=actor_id,
        )
        details |= {"quantity": str(adjust_quantity), "movement_id": str(movement_id)}
    conflict.status = Conflict.Status.RESOLVED
    conflict.resolution = resolution
    conflict.note = note
    conflict.resolved_by = actor_id
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolution", "note", "resolved_by", "resolved_at"])
    audit_record(
        action="conflict.resolved",
        actor_id=actor_id,
        actor_label=actor_label,
        object_type="sync_conflict",
        object_id=conflict.pk,
        storefront_id=conflict.storefront_id,
        details=details | {"kind": conflict.kind},
    )
    return conflict
