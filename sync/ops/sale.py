"""Sales from terminals: one by one through ``sale_record``, or a run of them set-based.

The set-based path applies the same rules (``sale_build`` prices, taxes and checks each sale;
the cashier is judged by the membership history) with a constant number of statements per run:
one pricing-context query, one receipt-number lock and clash check, one stock-level statement for
every product of the run, and one ``COPY`` per table. A run that fails in the database is rolled
back to its savepoint and applied again op by op, so one op's trouble never costs the others.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction

from pos_platform.db.bulk import copy_rows
from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.money import ZERO
from sync.ops.base import (
    Handler,
    OpContext,
    OpRejected,
    Outcome,
    check_cashier,
    decimal,
    register,
    rejecting,
    uuid_of,
)
from tenant_apps.inventory.models import StockMovement
from tenant_apps.inventory.services import levels_move, movement_values
from tenant_apps.sales.context import pricing_context_load
from tenant_apps.sales.models import Payment, PaymentMethod, Sale, SaleEvent, SaleLine
from tenant_apps.sales.services.sale import (
    RECEIPT_PATTERN,
    BuiltSale,
    ClientTotals,
    ConflictDescriptor,
    Origin,
    PaymentInput,
    SaleLineInput,
    _check_shape,
    receipt_lock,
    sale_build,
    sale_record,
)
from tenant_apps.shifts.models import Shift
from tenant_apps.shop.services import shop_settings_get

_PAYMENT_TEXT = ("provider", "reference", "card_last4", "auth_code")
_TOTALS = ("subtotal", "discount_total", "tax_total", "total")
# The online API's limits (its serializers say the same): the columns' lengths.
_LIMITS: dict[str, int | None] = {
    "note": getattr(Sale._meta.get_field("note"), "max_length", None),
    "method": getattr(PaymentMethod._meta.get_field("code"), "max_length", None),
    **{name: getattr(Payment._meta.get_field(name), "max_length", None) for name in _PAYMENT_TEXT},
}


def _within(value: str, limit: int | None, name: str) -> None:
    if limit is not None and len(value) > limit:
        raise OpRejected(
            "data_invalid", f"{name} is longer than {limit} characters.", {"field": name, "max_length": limit}
        )


@dataclass(frozen=True)
class SaleData:
    cashier_id: uuid.UUID
    receipt_number: str
    shift_id: uuid.UUID | None
    lines: list[SaleLineInput]
    payments: list[PaymentInput]
    discount: Decimal
    totals: ClientTotals | None
    note: str


def parse_sale(data: dict[str, Any]) -> SaleData:
    """The sale op's data, checked for shape (fast: a batch holds hundreds of sales)."""
    receipt = data.get("receipt_number")
    if not isinstance(receipt, str) or not RECEIPT_PATTERN.match(receipt):
        raise OpRejected(
            "data_invalid",
            "receipt_number is required: letters, digits, - _ / ., at most 48, e.g. ACC-T1-000042.",
            {"field": "receipt_number"},
        )
    raw_lines, raw_payments = data.get("lines"), data.get("payments", [])
    if not isinstance(raw_lines, list) or not isinstance(raw_payments, list):
        raise OpRejected("data_invalid", "lines and payments must be lists.", {"field": "lines"})
    lines = []
    for i, line in enumerate(raw_lines):
        if not isinstance(line, dict):
            raise OpRejected("data_invalid", f"lines[{i}] must be an object.", {"field": f"lines[{i}]"})
        price = line.get("unit_price")
        lines.append(
            SaleLineInput(
                product_id=uuid_of(line.get("product_id"), f"lines[{i}].product_id"),  # type: ignore[arg-type]
                quantity=decimal(line.get("quantity"), f"lines[{i}].quantity"),
                discount=decimal(line.get("discount", "0"), f"lines[{i}].discount"),
                unit_price=None if price is None else decimal(price, f"lines[{i}].unit_price"),
            )
        )
    payments = []
    for i, payment in enumerate(raw_payments):
        if not isinstance(payment, dict) or not isinstance(payment.get("method"), str):
            raise OpRejected("data_invalid", f"payments[{i}] needs a method.", {"field": f"payments[{i}]"})
        text = {k: payment.get(k, "") for k in _PAYMENT_TEXT}
        if not all(isinstance(v, str) for v in text.values()):
            raise OpRejected(
                "data_invalid", f"payments[{i}] details are strings.", {"field": f"payments[{i}]"}
            )
        for name, value in (("method", payment["method"]), *text.items()):
            _within(value, _LIMITS[name], f"payments[{i}].{name}")
        payments.append(
            PaymentInput(
                method=payment["method"],
                amount=decimal(payment.get("amount"), f"payments[{i}].amount"),
                **text,
            )
        )
    raw_totals = data.get("totals")
    totals = None
    if raw_totals is not None:
        if not isinstance(raw_totals, dict):
            raise OpRejected("data_invalid", "totals must be an object.", {"field": "totals"})
        totals = ClientTotals(
            **{k: decimal(raw_totals[k], f"totals.{k}") for k in _TOTALS if k in raw_totals}
        )
    note = data.get("note", "")
    if isinstance(note, str):
        _within(note, _LIMITS["note"], "note")
    return SaleData(
        cashier_id=uuid_of(data.get("cashier_id"), "cashier_id"),  # type: ignore[arg-type]
        receipt_number=receipt,
        shift_id=uuid_of(data.get("shift_id"), "shift_id", required=False),
        lines=lines,
        payments=payments,
        discount=decimal(data.get("discount", "0"), "discount"),
        totals=totals,
        note=note if isinstance(note, str) else "",
    )


def conflict_of(
    descriptor: ConflictDescriptor, sale_id: uuid.UUID, storefront_id: uuid.UUID
) -> dict[str, Any]:
    """A POS conflict descriptor as the sync engine stores and answers it."""
    details = dict(descriptor.details)
    return {
        "kind": descriptor.code,
        "sale_id": str(sale_id),
        "storefront_id": details.pop("storefront_id", str(storefront_id)),
        **details,
    }


def _shift_missing(shift_id: uuid.UUID) -> dict[str, Any]:
    return {"kind": "shift_missing", "shift_id": str(shift_id)}


@register
class SaleHandler(Handler):
    kind = "sale"

    def validate(self, op: Any) -> dict[str, Any]:
        return {"sale": parse_sale(op.data)}

    def apply(self, ctx: OpContext, data: dict[str, Any]) -> Outcome:
        """One sale through ``sale_record`` (the fallback of the set-based path)."""
        sale: SaleData = data["sale"]
        check_cashier(ctx, sale.cashier_id)
        terminal = ctx.terminal
        extra: list[dict[str, Any]] = []
        shift_id = sale.shift_id
        if (
            shift_id is not None
            and not Shift.objects.filter(pk=shift_id, storefront_id=terminal.storefront_id).exists()
        ):
            extra.append(_shift_missing(shift_id))
            shift_id = None
        with rejecting():
            recorded = sale_record(
                storefront_id=terminal.storefront_id,
                cashier_id=sale.cashier_id,
                lines=sale.lines,
                payments=sale.payments,
                sale_discount=sale.discount,
                origin=Origin.terminal(terminal_id=terminal.pk, receipt_number=sale.receipt_number),
                sale_id=ctx.op.op_id,
                occurred_at=ctx.effective_at,
                client_totals=sale.totals,
                shift_id=shift_id,
                note=sale.note,
            )
        conflicts = extra + [
            conflict_of(c, recorded.sale.pk, terminal.storefront_id) for c in recorded.conflicts
        ]
        return Outcome(status="applied", result_id=recorded.sale.pk, conflicts=conflicts)


# --------------------------------------------------------------------------------------------
# The set-based path
# --------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    ctx: OpContext
    data: SaleData
    # Its conflicts (built.conflicts) grow with the receipt clash and oversold found in _write.
    built: BuiltSale
    # The engine's own (shift_missing): answered, not kept on the sale, as on the one-by-one path.
    extra: list[dict[str, Any]]


def apply_sales(ctxs: list[OpContext]) -> dict[uuid.UUID, Outcome]:
    """Apply a run of sale ops (consecutive in seq order) set-based; see the module docstring."""
    outcomes: dict[uuid.UUID, Outcome] = {}
    parsed: list[tuple[OpContext, SaleData]] = []
    for ctx in ctxs:
        try:
            sale = parse_sale(ctx.op.data)
            check_cashier(ctx, sale.cashier_id)
            parsed.append((ctx, sale))
        except OpRejected as exc:
            outcomes[ctx.op.op_id] = Outcome.rejected(exc.code, exc.message, exc.details)
    if not parsed:
        return outcomes
    terminal = parsed[0][0].terminal
    storefront_id = terminal.storefront_id
    now = parsed[0][0].received_at
    settings = shop_settings_get()
    methods = {m.code: m for m in PaymentMethod.objects.all()}
    context = pricing_context_load(
        keys=[
            (line.product_id, storefront_id, ctx.effective_at) for ctx, sale in parsed for line in sale.lines
        ]
    )
    shift_ids = {sale.shift_id for _, sale in parsed if sale.shift_id is not None}
    known_shifts = (
        set(Shift.objects.filter(pk__in=shift_ids, storefront_id=storefront_id).values_list("pk", flat=True))
        if shift_ids
        else set()
    )

    prepared: list[_Prepared] = []
    for ctx, sale in parsed:
        extra: list[dict[str, Any]] = []
        shift_id = sale.shift_id
        if shift_id is not None and shift_id not in known_shifts:
            extra.append(_shift_missing(shift_id))
            shift_id = None
        try:
            _check_shape(sale.lines, sale.payments, sale.discount, settings.minor_unit)
            built = sale_build(
                storefront_id=storefront_id,
                cashier_id=sale.cashier_id,
                lines=sale.lines,
                payments=sale.payments,
                sale_discount=sale.discount,
                origin=Origin.terminal(terminal_id=terminal.pk, receipt_number=sale.receipt_number),
                sale_id=ctx.op.op_id,
                occurred_at=ctx.effective_at,
                now=now,
                client_totals=sale.totals,
                shift_id=shift_id,
                note=sale.note,
                context=context,
                settings=settings,
                methods=methods,
            )
        except ApplicationError as exc:
            outcomes[ctx.op.op_id] = Outcome.rejected(exc.code, exc.message, exc.details)
            continue
        prepared.append(_Prepared(ctx=ctx, data=sale, built=built, extra=extra))
    if not prepared:
        return outcomes
    try:
        with transaction.atomic():
            _write(prepared, storefront_id=storefront_id, now=now)
    except DatabaseError:
        # Something only the database could see (a constraint, a lock timeout): apply these
        # ops one by one, each in its own savepoint, so that only the guilty one is rejected.
        handler = SaleHandler()
        for item in prepared:
            try:
                with transaction.atomic():
                    outcomes[item.ctx.op.op_id] = handler.apply(item.ctx, {"sale": item.data})
            except OpRejected as exc:
                outcomes[item.ctx.op.op_id] = Outcome.rejected(exc.code, exc.message, exc.details)
        return outcomes
    for item in prepared:
        sale_id = item.built.sale["id"]
        outcomes[item.ctx.op.op_id] = Outcome(
            status="applied",
            result_id=sale_id,
            conflicts=item.extra + [conflict_of(c, sale_id, storefront_id) for c in item.built.conflicts],
        )
    return outcomes


def _write(prepared: list[_Prepared], *, storefront_id: uuid.UUID, now: Any) -> None:
    # Receipt numbers first (a lock per number, then one lookup), then the stock levels: the lock
    # order of sale_record.
    numbers = [p.data.receipt_number for p in prepared]
    receipt_lock(numbers)
    used = set(Sale.objects.filter(receipt_number__any=set(numbers)).values_list("receipt_number", flat=True))
    for item in prepared:
        number = item.data.receipt_number
        if number in used:
            item.built.conflicts.append(ConflictDescriptor("receipt_clash", {"receipt_number": number}))
        used.add(number)

    # One statement moves every level the run touches; each sale's own effect is then replayed
    # in seq order from the level before the run, to flag exactly the sales that oversold.
    deltas: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = defaultdict(lambda: ZERO)
    for item in prepared:
        for m in item.built.stock:
            deltas[(m.product_id, m.storefront_id)] += m.quantity
    levels = levels_move(deltas={k: v for k, v in deltas.items() if v != ZERO}, now=now)
    running = {key: levels.get(key, ZERO) - delta for key, delta in deltas.items()}
    for item in prepared:
        touched = set()
        for m in item.built.stock:
            key = (m.product_id, m.storefront_id)
            running[key] += m.quantity
            touched.add(key)
        item.built.conflicts.extend(
            ConflictDescriptor(
                "oversold",
                {"product_id": str(pid), "storefront_id": str(sid), "level": str(running[(pid, sid)])},
            )
            for pid, sid in sorted(touched)
            if running[(pid, sid)] < ZERO
        )
        # Kept on the sale as sale_record keeps them.
        item.built.sale["conflicts"] = [c.as_json() for c in item.built.conflicts]

    copy_rows(Sale, [p.built.sale for p in prepared], now=now)
    copy_rows(SaleLine, [line for p in prepared for line in p.built.lines], now=now)
    copy_rows(Payment, [payment for p in prepared for payment in p.built.payments], now=now)
    copy_rows(SaleEvent, [p.built.event for p in prepared], now=now)
    copy_rows(StockMovement, [movement_values(m, now=now) for p in prepared for m in p.built.stock], now=now)
