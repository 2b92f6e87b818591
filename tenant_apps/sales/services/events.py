"""Voids and refunds: events appended to a sale's log, under a lock on the sale row.

The sale row is locked (``SELECT ... FOR UPDATE``; the row itself is never updated) before
anything is read, so that concurrent voids and refunds of one sale queue up and each sees what
the previous ones recorded: a sale is never refunded beyond what it sold, nor voided after a
refund, nor voided twice (also a partial unique index).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.money import QUANTITY_MAX, QUANTITY_PLACES, ZERO, has_places
from tenant_apps.inventory.services import MovementInput, movements_apply
from tenant_apps.sales.errors import (
    EventExists,
    PaymentMethodUnknown,
    ReasonRequired,
    RefundExceedsSold,
    RefundLineUnknown,
    SaleAlreadyVoided,
    SaleHasRefunds,
    SaleInvalid,
    SaleNotFound,
    ShiftClosed,
    VoidWindowClosed,
)
from tenant_apps.sales.models import PaymentMethod, RefundLine, Sale, SaleEvent, SaleLine
from tenant_apps.sales.pricing import merge_taxes, refund_share, tax_amounts_from_json
from tenant_apps.shifts.models import Shift
from tenant_apps.shop.services import business_date, occurred_at_resolve, shop_settings_get

MAX_REASON = 500


@dataclass(frozen=True)
class RefundLineInput:
    sale_line_id: uuid.UUID
    quantity: Decimal


def _lock_sale(sale_id: uuid.UUID) -> Sale:
    sale = Sale.objects.select_for_update(of=("self",)).filter(pk=sale_id).first()
    if sale is None:
        raise SaleNotFound(details={"sale_id": str(sale_id)})
    return sale


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ReasonRequired(
            gettext_noop("Give a reason (1 to %(MAX_REASON)s characters)."), params={"MAX_REASON": MAX_REASON}
        )
    return reason


def _save_event(event: SaleEvent) -> None:
    try:
        with transaction.atomic():
            SaleEvent.objects.bulk_create([event])
    except IntegrityError as exc:
        raise EventExists(details={"id": str(event.id)}) from exc


def _drawer(sale: Sale, actor: Actor, shift_id: uuid.UUID | None) -> uuid.UUID | None:
    """The shift whose drawer pays a refund: the one given, else the actor's open shift there."""
    if shift_id is not None:
        return shift_id
    if actor.user_id is None:
        return None
    return (
        Shift.objects.filter(
            storefront_id=sale.storefront_id, cashier_id=actor.user_id, closed_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def sale_void(
    *,
    sale_id: uuid.UUID,
    actor: Actor,
    reason: str,
    occurred_at: dt.datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> SaleEvent:
    """Cancel a whole sale: allowed while its shift is open (or, for a sale outside any shift, on
    the shop day it was made), never after a refund. Every tracked line goes back to stock."""
    now = timezone.now()
    occurred_at = occurred_at_resolve(occurred_at, now=now)
    reason = _reason(reason)
    sale = _lock_sale(sale_id)
    kinds = set(SaleEvent.objects.filter(sale=sale).values_list("kind", flat=True))
    if SaleEvent.Kind.VOIDED in kinds:
        raise SaleAlreadyVoided()
    if SaleEvent.Kind.REFUNDED in kinds:
        raise SaleHasRefunds()
    if sale.shift_id is not None:
        closed_at = Shift.objects.filter(pk=sale.shift_id).values_list("closed_at", flat=True).first()
        if closed_at is not None and occurred_at >= closed_at:
            raise ShiftClosed()
    elif business_date(occurred_at) != sale.business_date:
        raise VoidWindowClosed()
    event = SaleEvent(
        id=event_id or uuid.uuid4(),
        sale=sale,
        kind=SaleEvent.Kind.VOIDED,
        occurred_at=occurred_at,
        received_at=now,
        actor_id=actor.user_id,
        terminal_id=actor.terminal_id,
        reason=reason,
        amount=sale.total,
        net=sale.net_total,
        tax=sale.tax_total,
        taxes=sale.tax_breakdown,
        restock=True,
    )
    _save_event(event)
    lines = SaleLine.objects.filter(sale=sale, product__track_stock=True).values_list(
        "product_id", "quantity"
    )
    movements_apply(
        movements=[
            MovementInput(
                product_id=product_id,
                storefront_id=sale.storefront_id,
                kind="void",
                quantity=quantity,
                occurred_at=occurred_at,
                sale_id=sale.pk,
                sale_event_id=event.pk,
                actor_id=actor.user_id,
            )
            for product_id, quantity in lines
        ],
        now=now,
        on_short="flag",  # returns stock
    )
    return event


@transaction.atomic
def sale_refund(
    *,
    sale_id: uuid.UUID,
    lines: Sequence[RefundLineInput],
    actor: Actor,
    reason: str,
    restock: bool = True,
    payment_method: str | None = None,
    occurred_at: dt.datetime | None = None,
    event_id: uuid.UUID | None = None,
    shift_id: uuid.UUID | None = None,
) -> SaleEvent:
    """Return money (and optionally goods) for some units of some lines of a sale.

    The money returned per line is prorated with cumulative rounding (see
    :func:`~tenant_apps.sales.pricing.refund_share`); the total refunded for a line never exceeds
    what it sold. ``payment_method`` is the code the money goes back through (default: cash).
    """
    now = timezone.now()
    occurred_at = occurred_at_resolve(occurred_at, now=now)
    reason = _reason(reason)
    if not lines:
        raise SaleInvalid(gettext_noop("A refund has at least one line."), details={"field": "lines"})
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(lines):
        q = line.quantity
        if not isinstance(q, Decimal) or q <= 0 or q > QUANTITY_MAX or not has_places(q, QUANTITY_PLACES):
            raise SaleInvalid(
                gettext_noop(
                    "Refund line %(value)s: the quantity must be more than 0 with at most 3 decimals."
                ),
                details={"line": index, "quantity": str(q)},
                params={"value": index + 1},
            )
        if line.sale_line_id in seen:
            raise SaleInvalid(
                gettext_noop("Each sale line appears once per refund."), details={"line": index}
            )
        seen.add(line.sale_line_id)
    method = (
        PaymentMethod.objects.filter(code=payment_method, is_active=True).first()
        if payment_method
        else PaymentMethod.objects.filter(kind="cash", is_active=True).order_by("position", "code").first()
    )
    if method is None:
        raise PaymentMethodUnknown(details={"methods": [payment_method or "cash"]})
    minor_unit = shop_settings_get().minor_unit

    sale = _lock_sale(sale_id)
    if SaleEvent.objects.filter(sale=sale, kind=SaleEvent.Kind.VOIDED).exists():
        raise SaleAlreadyVoided()
    sale_lines = {
        line.pk: line
        for line in SaleLine.objects.filter(sale=sale).select_related("product").order_by("position")
    }
    unknown = [str(x.sale_line_id) for x in lines if x.sale_line_id not in sale_lines]
    if unknown:
        raise RefundLineUnknown(details={"sale_line_ids": unknown})
    refunded: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
    for line_id, quantity in (
        RefundLine.objects.filter(sale_line__sale=sale).values("sale_line_id").annotate(q=Sum("quantity"))
    ).values_list("sale_line_id", "q"):
        refunded[line_id] = quantity
    refund_lines: list[RefundLine] = []
    event_id = event_id or uuid.uuid4()
    for line in lines:
        sold = sale_lines[line.sale_line_id]
        before = refunded[sold.pk]
        if before + line.quantity > sold.quantity:
            raise RefundExceedsSold(
                gettext_noop(
                    "Line %(value)s sold %(quantity)s; %(before)s already refunded, %(quantity2)s more asked."
                ),
                details={
                    "sale_line_id": str(sold.pk),
                    "sold": str(sold.quantity),
                    "refunded": str(before),
                    "requested": str(line.quantity),
                },
                params={
                    "value": sold.position + 1,
                    "quantity": sold.quantity,
                    "before": before,
                    "quantity2": line.quantity,
                },
            )
        share = refund_share(
            line_quantity=sold.quantity,
            line_total=sold.total,
            line_taxes=tax_amounts_from_json(sold.taxes),
            refunded_before=before,
            quantity=line.quantity,
            minor_unit=minor_unit,
        )
        refund_lines.append(
            RefundLine(
                event_id=event_id,
                sale_line=sold,
                quantity=line.quantity,
                net=share.net,
                tax_total=share.tax,
                total=share.total,
                taxes=[t.as_json() for t in share.taxes],
            )
        )
    taxes = merge_taxes([tax_amounts_from_json(r.taxes) for r in refund_lines])
    event = SaleEvent(
        id=event_id,
        sale=sale,
        kind=SaleEvent.Kind.REFUNDED,
        occurred_at=occurred_at,
        received_at=now,
        actor_id=actor.user_id,
        terminal_id=actor.terminal_id,
        reason=reason,
        amount=sum((r.total for r in refund_lines), ZERO),
        net=sum((r.net for r in refund_lines), ZERO),
        tax=sum((r.tax_total for r in refund_lines), ZERO),
        taxes=[t.as_json() for t in taxes],
        restock=restock,
        payment_method=method,
        shift_id=_drawer(sale, actor, shift_id),
    )
    _save_event(event)
    RefundLine.objects.bulk_create(refund_lines)
    if restock:
        movements_apply(
            movements=[
                MovementInput(
                    product_id=r.sale_line.product_id,
                    storefront_id=sale.storefront_id,
                    kind="refund",
                    quantity=r.quantity,
                    occurred_at=occurred_at,
                    sale_id=sale.pk,
                    sale_event_id=event.pk,
                    actor_id=actor.user_id,
                )
                for r in refund_lines
                if r.sale_line.product.track_stock
            ],
            now=now,
            on_short="flag",  # returns stock
        )
    return event
