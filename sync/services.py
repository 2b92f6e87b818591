"""Admin actions on sync conflicts: accept, annotate, or adjust stock with a movement."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.errors import ValidationFailed
from sync.errors import ConflictAlreadyResolved, ConflictNotFound
from sync.models import Conflict
from tenant_apps.inventory.services import StockLine, stock_adjust

# Kinds whose conflicts are alike enough to accept a day's worth at once (a price changed on the
# server while terminals still sold at the old one).
BULK_ACCEPT_KINDS = frozenset({Conflict.Kind.PRICE_MISMATCH})


@transaction.atomic
def conflict_resolve(
    *,
    conflict_id: uuid.UUID,
    resolution: str,
    note: str,
    actor: Actor,
    quantity: Decimal | None = None,
) -> Conflict:
    """Resolve an open conflict.

    ``accepted``: the operation stands as recorded. ``annotated``: the same, with a note the team
    wants kept. ``stock_adjusted``: a stock movement of ``quantity`` (positive or negative) is
    booked on the conflict's product and storefront (a ``correction`` adjustment), e.g. after a
    count found that an oversold product was in fact on the shelf."""
    conflict = Conflict.objects.select_for_update().filter(pk=conflict_id).first()
    if conflict is None:
        raise ConflictNotFound()
    if conflict.status == Conflict.Status.RESOLVED:
        raise ConflictAlreadyResolved()
    note = (note or "").strip()
    details: dict[str, Any] = {"kind": conflict.kind, "resolution": resolution, "note": note}
    if resolution == Conflict.Resolution.STOCK_ADJUSTED:
        if conflict.product_id is None:
            raise ValidationFailed(
                gettext_noop("This conflict names no product; its stock cannot be adjusted."),
                code="conflict_has_no_product",
            )
        if quantity is None or quantity == 0:
            raise ValidationFailed(
                gettext_noop("Give the quantity to add (positive) or remove (negative)."),
                code="quantity_required",
            )
        operation = stock_adjust(
            storefront_id=conflict.storefront_id,
            lines=[StockLine(conflict.product_id, quantity)],
            reason="correction",
            actor=actor,
            note=f"sync conflict {conflict.pk}: {note}"[:500],
        )
        details |= {"quantity": str(quantity), "operation_id": str(operation.pk)}
    elif resolution == Conflict.Resolution.ANNOTATED and not note:
        raise ValidationFailed(gettext_noop("An annotation needs a note."), code="note_required")
    conflict.status = Conflict.Status.RESOLVED
    conflict.resolution = resolution
    conflict.note = note
    conflict.resolved_by = actor.user_id
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolution", "note", "resolved_by", "resolved_at"])
    audit_record(
        action="conflict.resolved",
        actor=actor,
        object_type="sync_conflict",
        object_id=conflict.pk,
        storefront_id=conflict.storefront_id,
        details=details,
    )
    return conflict


@transaction.atomic
def conflict_accept_all(
    *,
    kind: str,
    since: dt.datetime,
    until: dt.datetime,
    actor: Actor,
    storefront_id: uuid.UUID | None = None,
    note: str = "",
) -> int:
    """Accept every open conflict of ``kind`` raised in [since, until) (of one storefront, or of
    all), each through :func:`conflict_resolve` (audited one by one); the number accepted. The
    rows are locked in a fixed order, so that two people doing this at once do not deadlock: the
    second finds them resolved and skips them."""
    if kind not in BULK_ACCEPT_KINDS:
        raise ValidationFailed(
            gettext_noop("Only price differences can be accepted in bulk; look at the others one by one."),
            code="conflict_kind_not_bulk",
            details={"field": "kind"},
        )
    qs = Conflict.objects.filter(
        kind=kind, status=Conflict.Status.OPEN, created_at__gte=since, created_at__lt=until
    )
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    ids = list(qs.order_by("pk").select_for_update(skip_locked=False).values_list("pk", flat=True))
    for conflict_id in ids:
        conflict_resolve(
            conflict_id=conflict_id, resolution=Conflict.Resolution.ACCEPTED, note=note, actor=actor
        )
    return len(ids)
