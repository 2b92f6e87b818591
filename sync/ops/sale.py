"""Sales from terminals: a run of consecutive sale ops, through the one sale writer.

Each op is parsed (``parse_sale``), its cashier judged by the membership history at its time
(``check_cashier``, once), and the sale validated and priced by the POS core's own rules
(``sale_build``); the run is then written by ``sales_write``, the writer of online sales too,
with a constant number of statements per run: one pricing-context query, one receipt-number lock
and clash check, one ledger call for every product of the run, and one ``COPY`` per table. A run
that fails in the database is rolled back to its savepoint and written again sale by sale, so one
op's trouble never costs the others.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction

from pos_platform.kernel.errors import ApplicationError
from sync.ops.base import (
    Handler,
    OpContext,
    OpRejected,
    Outcome,
    check_cashier,
    decimal,
    register,
    uuid_of,
)
from tenant_apps.sales.context import pricing_context_load
from tenant_apps.sales.models import Payment, PaymentMethod, Sale
from tenant_apps.sales.services.sale import (
    RECEIPT_PATTERN,
    ClientTotals,
    Origin,
    PaymentInput,
    SaleLineInput,
    sale_build,
    sale_run_context_load,
)
from tenant_apps.sales.services.write import BuiltSale, ConflictDescriptor, WrittenSale, sales_write
from tenant_apps.shifts.models import Shift
from tenant_apps.shop.services import shop_timezone

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
                product_id=uuid_of(line.get("product_id"), f"lines[{i}].product_id"),
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
        cashier_id=uuid_of(data.get("cashier_id"), "cashier_id"),
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
        """One sale: a run of one."""
        return apply_sales([ctx])[ctx.op.op_id]


@dataclass
class _Prepared:
    ctx: OpContext
    built: BuiltSale
    # The engine's own (shift_missing): answered, not kept on the sale.
    extra: list[dict[str, Any]]


def apply_sales(ctxs: list[OpContext]) -> dict[uuid.UUID, Outcome]:
    """Apply a run of sale ops (consecutive in seq order); see the module docstring."""
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
    settings, methods = sale_run_context_load()
    zone = shop_timezone()
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
        # A shift this storefront does not know: the sale is kept without one, and flagged.
        shift_id = sale.shift_id
        if shift_id is not None and shift_id not in known_shifts:
            extra.append(_shift_missing(shift_id))
            shift_id = None
        try:
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
                zone=zone,
            )
        except ApplicationError as exc:
            outcomes[ctx.op.op_id] = Outcome.rejected(exc.code, exc.message, exc.details)
            continue
        prepared.append(_Prepared(ctx=ctx, built=built, extra=extra))
    if not prepared:
        return outcomes
    try:
        with transaction.atomic():
            written = sales_write(built=[p.built for p in prepared], now=now)
    except DatabaseError:
        if len(prepared) == 1:
            raise
        # Something only the database could see (a constraint, a lock timeout): write these
        # sales one by one, each in its own savepoint, so that only the guilty one is rejected.
        for item in prepared:
            try:
                with transaction.atomic():
                    (one,) = sales_write(built=[item.built], now=now)
            except ApplicationError as exc:
                outcomes[item.ctx.op.op_id] = Outcome.rejected(exc.code, exc.message, exc.details)
            else:
                outcomes[item.ctx.op.op_id] = _applied(item, one, storefront_id)
        return outcomes
    except ApplicationError as exc:  # one sale, refused by the database (its id is taken)
        outcomes[prepared[0].ctx.op.op_id] = Outcome.rejected(exc.code, exc.message, exc.details)
        return outcomes
    for item, one in zip(prepared, written, strict=True):
        outcomes[item.ctx.op.op_id] = _applied(item, one, storefront_id)
    return outcomes


def _applied(item: _Prepared, written: WrittenSale, storefront_id: uuid.UUID) -> Outcome:
    sale_id = item.built.sale["id"]
    return Outcome(
        status="applied",
        result_id=sale_id,
        conflicts=item.extra + [conflict_of(c, sale_id, storefront_id) for c in written.conflicts],
    )
