"""Cash shifts: open with a float, cash in and out, close with counted amounts per method.

Expected amounts at close: cash = float + cash applied to the shift's sales (tendered minus
change) + cash in - cash out - cash refunds paid from this shift's drawer; every other method =
its payments in the shift's sales - refunds through it from this drawer. Voided sales count for
nothing. Each method's ``difference`` is counted - expected.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.money import MONEY_MAX, ZERO, has_places
from tenant_apps.sales.models import Payment, PaymentMethod, SaleEvent
from tenant_apps.shifts.errors import ShiftAlreadyOpen, ShiftClosed, ShiftExists, ShiftInvalid, ShiftNotFound
from tenant_apps.shifts.models import CashMovement, Shift, ShiftCount
from tenant_apps.shop.services import occurred_at_resolve, shop_settings_get
from tenant_apps.storefronts.errors import StorefrontNotFound
from tenant_apps.storefronts.models import Storefront


def _amount(value: Decimal, field: str, *, minor_unit: int, positive: bool = False) -> None:
    if (
        not isinstance(value, Decimal)
        or value < 0
        or (positive and value == 0)
        or value > MONEY_MAX
        or not has_places(value, minor_unit)
    ):
        raise ShiftInvalid(
            gettext_noop(
                "%(field)s must be an amount above 0 up to %(MONEY_MAX)s, "
                "with at most %(minor_unit)s decimals."
            )
            if positive
            else gettext_noop(
                "%(field)s must be an amount from 0 up to %(MONEY_MAX)s, "
                "with at most %(minor_unit)s decimals."
            ),
            details={"field": field, "value": str(value)},
            params={"field": field, "MONEY_MAX": MONEY_MAX, "minor_unit": minor_unit},
        )


@transaction.atomic
def shift_open(
    *,
    storefront_id: uuid.UUID,
    cashier_id: uuid.UUID,
    opening_float: Decimal,
    actor: Actor,
    occurred_at: dt.datetime | None = None,
    shift_id: uuid.UUID | None = None,
) -> Shift:
    now = timezone.now()
    occurred_at = occurred_at_resolve(occurred_at, now=now)
    _amount(opening_float, "opening_float", minor_unit=shop_settings_get().minor_unit)
    if not Storefront.objects.filter(pk=storefront_id).exists():
        raise StorefrontNotFound(details={"storefront_id": str(storefront_id)})
    shift = Shift(
        id=shift_id or uuid.uuid4(),
        storefront_id=storefront_id,
        cashier_id=cashier_id,
        terminal_id=actor.terminal_id,
        opening_float=opening_float,
        opened_at=occurred_at,
        opened_by_id=actor.user_id,
        received_at=now,
    )
    if shift_id is not None and Shift.objects.filter(pk=shift_id).exists():
        raise ShiftExists(details={"id": str(shift_id)})
    try:
        with transaction.atomic():
            shift.save(force_insert=True)
    except IntegrityError as exc:
        raise ShiftAlreadyOpen() from exc
    return shift


def _lock_shift(shift_id: uuid.UUID) -> Shift:
    shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
    if shift is None:
        raise ShiftNotFound()
    return shift


@transaction.atomic
def cash_movement_record(
    *,
    shift_id: uuid.UUID,
    kind: str,
    amount: Decimal,
    reason: str,
    actor: Actor,
    occurred_at: dt.datetime | None = None,
    movement_id: uuid.UUID | None = None,
) -> CashMovement:
    """Cash put into (``in``) or taken out of (``out``) the drawer, with a reason."""
    now = timezone.now()
    occurred_at = occurred_at_resolve(occurred_at, now=now)
    if kind not in CashMovement.Kind.values:
        raise ShiftInvalid(gettext_noop("The kind is in or out."), details={"field": "kind"})
    _amount(amount, "amount", minor_unit=shop_settings_get().minor_unit, positive=True)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ShiftInvalid(gettext_noop("Give a reason (1 to 500 characters)."), code="reason_required")
    shift = _lock_shift(shift_id)
    if shift.closed_at is not None and occurred_at >= shift.closed_at:
        raise ShiftClosed()
    movement = CashMovement(
        id=movement_id or uuid.uuid4(),
        shift=shift,
        kind=kind,
        amount=amount,
        reason=reason,
        occurred_at=occurred_at,
        received_at=now,
        actor_id=actor.user_id,
    )
    try:
        with transaction.atomic():
            movement.save(force_insert=True)
    except IntegrityError as exc:
        raise ShiftExists(details={"id": str(movement.id)}) from exc
    return movement


def shift_expected(shift: Shift) -> dict[str, tuple[str, Decimal]]:
    """code -> (kind, expected amount) for every method the shift touched, cash always."""
    voided = SaleEvent.objects.filter(sale_id=OuterRef("sale_id"), kind=SaleEvent.Kind.VOIDED)
    expected: dict[str, Decimal] = defaultdict(lambda: ZERO)
    kinds: dict[str, str] = {}
    cash_code = PaymentMethod.objects.filter(kind="cash").values_list("code", flat=True).first() or "cash"
    kinds[cash_code] = "cash"
    expected[cash_code] += shift.opening_float
    for code, kind, amount in (
        Payment.objects.filter(sale__shift=shift)
        .exclude(Exists(voided))
        .values("method__code", "kind")
        .annotate(total=Sum("amount"))
        .values_list("method__code", "kind", "total")
    ):
        expected[code] += amount
        kinds[code] = kind
    for code, kind, amount in (
        SaleEvent.objects.filter(shift=shift, kind=SaleEvent.Kind.REFUNDED)
        .values("payment_method__code", "payment_method__kind")
        .annotate(total=Sum("amount"))
        .values_list("payment_method__code", "payment_method__kind", "total")
    ):
        expected[code] -= amount
        kinds[code] = kind
    for kind, amount in (
        CashMovement.objects.filter(shift=shift)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    ):
        expected[cash_code] += amount if kind == "in" else -amount
    return {code: (kinds[code], expected[code]) for code in sorted(expected)}


@transaction.atomic
def shift_close(
    *,
    shift_id: uuid.UUID,
    counted: Mapping[str, Decimal],
    actor: Actor,
    occurred_at: dt.datetime | None = None,
    note: str = "",
) -> Shift:
    """Close the shift: expected versus counted per payment method (cash must be counted)."""
    now = timezone.now()
    occurred_at = occurred_at_resolve(occurred_at, now=now)
    minor_unit = shop_settings_get().minor_unit
    for code, amount in counted.items():
        _amount(amount, f"counted.{code}", minor_unit=minor_unit)
    shift = _lock_shift(shift_id)
    if shift.closed_at is not None:
        raise ShiftClosed()
    if occurred_at < shift.opened_at:
        raise ShiftInvalid(gettext_noop("A shift closes after it opens."), code="shift_invalid")
    known = dict(PaymentMethod.objects.values_list("code", "kind"))
    unknown = sorted(set(counted) - set(known))
    if unknown:
        raise ShiftInvalid(
            gettext_noop("Counted amounts name unknown payment methods."),
            code="payment_method_unknown",
            details={"methods": unknown},
        )
    expected = shift_expected(shift)
    cash_counted = [code for code in counted if known[code] == "cash"]
    if not cash_counted:
        raise ShiftInvalid(
            gettext_noop("Count the cash in the drawer to close the shift."), code="cash_count_required"
        )
    rows = []
    for code in sorted(set(expected) | set(counted)):
        kind, amount = expected.get(code, (known.get(code, ""), ZERO))
        got = counted.get(code)
        rows.append(
            ShiftCount(
                shift=shift,
                method_code=code,
                method_kind=kind,
                expected=amount,
                counted=got,
                difference=None if got is None else got - amount,
            )
        )
    ShiftCount.objects.bulk_create(rows)
    shift.closed_at = occurred_at
    shift.closed_by_id = actor.user_id
    shift.close_note = (note or "").strip()[:500]
    shift.save(update_fields=["closed_at", "closed_by_id", "close_note", "updated_at"])
    return shift
