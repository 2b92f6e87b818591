"""Voids, refunds, stock receipts and counts, and shifts from terminals, through the POS
core's own services (the same rules as the online API)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.fields import money_field, quantity_field
from sync.models import Op
from sync.ops.base import Handler, OpContext, OpRejected, Outcome, register
from tenant_apps.inventory.models import StockOperation
from tenant_apps.inventory.services import StockLine, stock_count, stock_receive
from tenant_apps.sales.models import Sale, SaleEvent, SaleLine
from tenant_apps.sales.services import RefundLineInput, sale_refund, sale_void
from tenant_apps.shifts.models import CashMovement, Shift
from tenant_apps.shifts.services import cash_movement_record, shift_close, shift_open


def _wait_for_sale(sale_op_id: Any) -> Outcome | None:
    """None when the sale an op names (by the sale's op id) is recorded; else the op is held
    until the sale arrives, or refused when the sale op was refused (or is not a sale)."""
    if Sale.objects.filter(pk=sale_op_id).exists():
        return None
    original = Op.objects.filter(op_id=sale_op_id).first()
    if original is None or (original.status == Op.Status.PENDING and original.kind == "sale"):
        return Outcome(
            status="pending",
            code="sale_not_arrived",
            message="The sale has not been uploaded yet; this op is applied when it is.",
            waits_for=sale_op_id,
        )
    if original.kind != "sale":
        raise OpRejected(
            "sale_unknown",
            "sale_op_id names an operation that is not a sale.",
            {"sale_op_id": str(sale_op_id)},
        )
    raise OpRejected(
        "sale_rejected",
        "The sale this op refers to was rejected.",
        {"sale_op_id": str(sale_op_id), "sale_code": original.code},
    )


class VoidData(serializers.Serializer):
    sale_op_id = serializers.UUIDField()
    cashier_id = serializers.UUIDField()
    reason = serializers.CharField(max_length=500)


@register
class VoidHandler(Handler):
    kind = "void"
    serializer_class = VoidData

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> SaleEvent | Outcome:
        waiting = _wait_for_sale(data["sale_op_id"])
        if waiting is not None:
            return waiting
        return sale_void(
            sale_id=data["sale_op_id"],
            actor=actor,
            reason=data["reason"],
            occurred_at=ctx.effective_at,
            event_id=ctx.op.op_id,
        )


class RefundLineData(serializers.Serializer):
    # The line's position in the sale as the terminal sent it (0 for the first line).
    line = serializers.IntegerField(min_value=0, max_value=499)
    quantity = quantity_field(min_value=0)


class RefundData(serializers.Serializer):
    sale_op_id = serializers.UUIDField()
    cashier_id = serializers.UUIDField()
    reason = serializers.CharField(max_length=500)
    lines = RefundLineData(many=True, allow_empty=False)
    restock = serializers.BooleanField(default=True)
    payment_method = serializers.CharField(max_length=32, required=False)
    shift_id = serializers.UUIDField(required=False)


@register
class RefundHandler(Handler):
    kind = "refund"
    serializer_class = RefundData

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> SaleEvent | Outcome:
        waiting = _wait_for_sale(data["sale_op_id"])
        if waiting is not None:
            return waiting
        by_position = dict(SaleLine.objects.filter(sale_id=data["sale_op_id"]).values_list("position", "pk"))
        missing = sorted({line["line"] for line in data["lines"] if line["line"] not in by_position})
        if missing:
            raise OpRejected(
                "refund_line_unknown",
                "A refund line names a line the sale does not have.",
                {"lines": missing},
            )
        return sale_refund(
            sale_id=data["sale_op_id"],
            lines=[RefundLineInput(by_position[line["line"]], line["quantity"]) for line in data["lines"]],
            actor=actor,
            reason=data["reason"],
            restock=data["restock"],
            payment_method=data.get("payment_method"),
            occurred_at=ctx.effective_at,
            event_id=ctx.op.op_id,
            shift_id=data.get("shift_id"),
        )


class StockLineData(serializers.Serializer):
    product_id = serializers.UUIDField()
    quantity = quantity_field()


class StockData(serializers.Serializer):
    cashier_id = serializers.UUIDField()
    lines = StockLineData(many=True, allow_empty=False)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class _StockHandler(Handler):
    serializer_class = StockData
    service: Any

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> StockOperation:
        return type(self).service(
            storefront_id=ctx.terminal.storefront_id,
            lines=[StockLine(line["product_id"], line["quantity"]) for line in data["lines"]],
            actor=actor,
            note=data["note"],
            occurred_at=ctx.effective_at,
            operation_id=ctx.op.op_id,
        )


@register
class StockReceiveHandler(_StockHandler):
    kind = "stock_receive"
    service = staticmethod(stock_receive)


@register
class StockCountHandler(_StockHandler):
    kind = "stock_count"
    service = staticmethod(stock_count)


class ShiftOpenData(serializers.Serializer):
    cashier_id = serializers.UUIDField()
    shift_id = serializers.UUIDField()
    opening_float = money_field(min_value=0)


@register
class ShiftOpenHandler(Handler):
    kind = "shift_open"
    serializer_class = ShiftOpenData

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> Shift:
        return shift_open(
            storefront_id=ctx.terminal.storefront_id,
            cashier_id=data["cashier_id"],
            opening_float=data["opening_float"],
            actor=actor,
            occurred_at=ctx.effective_at,
            shift_id=data["shift_id"],
        )


class CashMovementData(serializers.Serializer):
    cashier_id = serializers.UUIDField()
    shift_id = serializers.UUIDField()
    direction = serializers.ChoiceField(choices=["in", "out"])
    amount = money_field()
    reason = serializers.CharField(max_length=500)


@register
class CashMovementHandler(Handler):
    kind = "cash_movement"
    serializer_class = CashMovementData

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> CashMovement:
        return cash_movement_record(
            shift_id=data["shift_id"],
            kind=data["direction"],
            amount=data["amount"],
            reason=data["reason"],
            actor=actor,
            occurred_at=ctx.effective_at,
            movement_id=ctx.op.op_id,
        )


class ShiftCloseData(serializers.Serializer):
    cashier_id = serializers.UUIDField()
    shift_id = serializers.UUIDField()
    counted = serializers.DictField(child=money_field(min_value=0), allow_empty=False)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


@register
class ShiftCloseHandler(Handler):
    kind = "shift_close"
    serializer_class = ShiftCloseData

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> Shift:
        return shift_close(
            shift_id=data["shift_id"],
            counted=data["counted"],
            actor=actor,
            occurred_at=ctx.effective_at,
            note=data["note"],
        )
