"""Sales API: record online sales, read them, void and refund; payment methods."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer, PageQuery, page_of
from pos_platform.api.tenant import (
    IDEMPOTENCY_HEADER,
    DayRangeQuery,
    TenantApiView,
    actor_of,
    idempotent,
    paginate,
    require_storefront,
    scope_of,
    user_id,
    visible_or_404,
)
from pos_platform.api.views import TenantRequest
from pos_platform.kernel.fields import money_field, quantity_field
from tenant_apps.receipts.services import customer_contact_require, sale_receipts_send
from tenant_apps.sales.errors import SaleNotFound
from tenant_apps.sales.models import PaymentMethod, Sale
from tenant_apps.sales.selectors import (
    NO_REFUNDS,
    payment_method_list,
    sale_get,
    sale_list,
    sale_status_of,
    sale_storefront_id,
)
from tenant_apps.sales.services import (
    ClientTotals,
    PaymentInput,
    RecordedSale,
    RefundLineInput,
    SaleLineInput,
    payment_method_create,
    payment_method_update,
    sale_record,
    sale_refund,
    sale_void,
)
from tenant_apps.shop.services import day_bounds

if TYPE_CHECKING:
    from tenant_apps.sales.selectors import SaleWithStatus

SF_ID = "5f0c6b1e-0000-4000-8000-000000000002"
P_ID = "0d6b7c8a-0000-4000-8000-000000000003"


# --------------------------------------------------------------------------------------------
# Serializers
# --------------------------------------------------------------------------------------------


class TaxOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rate = serializers.DecimalField(max_digits=7, decimal_places=4)
    compound = serializers.BooleanField()
    base = money_field()
    amount = money_field()


class SaleLineOutput(serializers.Serializer):
    id = serializers.UUIDField()
    position = serializers.IntegerField()
    product_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = quantity_field()
    unit_price = money_field()
    gross = money_field()
    discount = money_field()
    sale_discount_share = money_field()
    net = money_field()
    tax_total = money_field()
    total = money_field()
    taxes = TaxOutput(many=True)


class PaymentOutput(serializers.Serializer):
    method = serializers.CharField()
    kind = serializers.CharField()
    amount = money_field(help_text="Applied to the sale.")
    tendered = money_field()
    change = money_field()
    provider = serializers.CharField()
    reference = serializers.CharField()
    card_last4 = serializers.CharField()
    auth_code = serializers.CharField()


class SaleEventOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    actor_id = serializers.UUIDField(allow_null=True)
    reason = serializers.CharField()
    amount = money_field()
    net = money_field()
    tax = money_field()
    taxes = TaxOutput(many=True)
    restock = serializers.BooleanField()
    payment_method = serializers.CharField(allow_null=True)
    lines = serializers.ListField(child=serializers.DictField(), help_text="Refunded lines (refunds).")


class SaleConflictOutput(serializers.Serializer):
    """A conflict the sale was recorded with (terminal sales), as stored on the sale."""

    code = serializers.CharField(help_text="oversold, price_mismatch, total_mismatch, receipt_clash, ...")
    details = serializers.DictField()


class SaleOutput(serializers.Serializer):
    id = serializers.UUIDField()
    receipt_number = serializers.CharField()
    status = serializers.ChoiceField(choices=["completed", "partially_refunded", "refunded", "voided"])
    storefront_id = serializers.UUIDField()
    cashier_id = serializers.UUIDField()
    shift_id = serializers.UUIDField(allow_null=True)
    origin = serializers.CharField()
    terminal_id = serializers.UUIDField(allow_null=True)
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    business_date = serializers.DateField()
    prices_include_tax = serializers.BooleanField()
    subtotal = money_field()
    line_discount_total = money_field()
    sale_discount = money_field()
    net_total = money_field()
    tax_total = money_field()
    total = money_field()
    paid_total = money_field()
    change_total = money_field()
    refunded_total = money_field()
    taxes = TaxOutput(many=True)
    lines = SaleLineOutput(many=True)
    payments = PaymentOutput(many=True)
    events = SaleEventOutput(many=True)
    conflicts = SaleConflictOutput(many=True)
    note = serializers.CharField()


class SaleSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    receipt_number = serializers.CharField()
    status = serializers.CharField()
    storefront_id = serializers.UUIDField()
    cashier_id = serializers.UUIDField()
    origin = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    total = money_field()
    tax_total = money_field()
    refunded_total = money_field()


_CENT = Decimal("0.01")
_THOUSANDTH = Decimal("0.001")


def _money(value: Decimal) -> str:
    """Two decimals, as the columns store them: the answer to a POST (built from the values the
    service computed, some as given, e.g. a default discount of 0) reads as the sale read later."""
    return str(value.quantize(_CENT))


def _quantity(value: Decimal) -> str:
    return str(value.quantize(_THOUSANDTH))


def _line(line: Any) -> dict[str, Any]:
    return {
        "id": str(line.id),
        "position": line.position,
        "product_id": str(line.product_id),
        "sku": line.sku,
        "name": line.name,
        "quantity": _quantity(line.quantity),
        "unit_price": _money(line.unit_price),
        "gross": _money(line.gross),
        "discount": _money(line.discount),
        "sale_discount_share": _money(line.sale_discount_share),
        "net": _money(line.net),
        "tax_total": _money(line.tax_total),
        "total": _money(line.total),
        "taxes": line.taxes,
    }


def _payment(p: Any) -> dict[str, Any]:
    return {
        "method": p.method.code,
        "kind": p.kind,
        "amount": _money(p.amount),
        "tendered": _money(p.tendered),
        "change": _money(p.change),
        "provider": p.provider,
        "reference": p.reference,
        "card_last4": p.card_last4,
        "auth_code": p.auth_code,
    }


def _event(e: Any) -> dict[str, Any]:
    return {
        "id": str(e.id),
        "kind": e.kind,
        "occurred_at": e.occurred_at.isoformat(),
        "received_at": e.received_at.isoformat(),
        "actor_id": str(e.actor_id) if e.actor_id else None,
        "reason": e.reason,
        "amount": _money(e.amount),
        "net": _money(e.net),
        "tax": _money(e.tax),
        "taxes": e.taxes,
        "restock": e.restock,
        "payment_method": e.payment_method.code if e.payment_method_id else None,
        "lines": [
            {"sale_line_id": str(r.sale_line_id), "quantity": _quantity(r.quantity), "total": _money(r.total)}
            for r in e.refund_lines.all()
        ]
        if e.kind == "refunded"
        else [],
    }


def sale_data(
    sale: Sale,
    *,
    lines: list[Any],
    payments: list[Any],
    events: list[dict[str, Any]],
    status: str,
    refunded: Decimal,
) -> dict[str, Any]:
    """The SaleOutput representation, built directly (the sale endpoint is hot)."""
    return {
        "id": str(sale.id),
        "receipt_number": sale.receipt_number,
        "status": status,
        "storefront_id": str(sale.storefront_id),
        "cashier_id": str(sale.cashier_id),
        "shift_id": str(sale.shift_id) if sale.shift_id else None,
        "origin": sale.origin,
        "terminal_id": str(sale.terminal_id) if sale.terminal_id else None,
        "occurred_at": sale.occurred_at.isoformat(),
        "received_at": sale.received_at.isoformat(),
        "business_date": sale.business_date.isoformat(),
        "prices_include_tax": sale.prices_include_tax,
        "subtotal": _money(sale.subtotal),
        "line_discount_total": _money(sale.line_discount_total),
        "sale_discount": _money(sale.sale_discount),
        "net_total": _money(sale.net_total),
        "tax_total": _money(sale.tax_total),
        "total": _money(sale.total),
        "paid_total": _money(sale.paid_total),
        "change_total": _money(sale.change_total),
        "refunded_total": _money(refunded),
        "taxes": sale.tax_breakdown,
        "lines": [_line(x) for x in lines],
        "payments": [_payment(p) for p in payments],
        "events": events,
        "conflicts": sale.conflicts,
        "note": sale.note,
    }


def recorded_data(recorded: RecordedSale) -> dict[str, Any]:
    return sale_data(
        recorded.sale,
        lines=recorded.lines,
        payments=recorded.payments,
        events=[],
        status="completed",
        refunded=NO_REFUNDS,
    )


def stored_data(sale: SaleWithStatus) -> dict[str, Any]:
    """The SaleOutput of a sale loaded by ``sale_get``."""
    status, refunded = sale_status_of(sale)
    return sale_data(
        sale,
        lines=list(sale.lines.all()),
        payments=list(sale.payments.all()),
        events=[_event(e) for e in sale.events.all()],
        status=status,
        refunded=refunded,
    )


class SaleLineInputSerializer(InputSerializer):
    product_id = serializers.UUIDField()
    quantity = quantity_field(min_value=0, max_value=100000)
    discount = money_field(min_value=0, default=Decimal("0"), help_text="Amount off this line.")


class PaymentInputSerializer(InputSerializer):
    method = serializers.CharField(
        max_length=32, help_text="A payment method code: cash, mobile_money, card, ..."
    )
    amount = money_field(min_value=0, help_text="Cash: the amount tendered.")
    provider = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    card_last4 = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    auth_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class CustomerContactInput(serializers.Serializer):
    """Checked by the receipts' own rules (tenant_apps.receipts.services.customer_contact_parse),
    which name each bad field: here only the shape."""

    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="E.164, or a number of the shop's country."
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    channel = serializers.CharField(max_length=16, required=False, help_text="sms (default) or whatsapp.")
    language = serializers.CharField(max_length=8, required=False, help_text="en or fr.")


class SaleInput(InputSerializer):
    id = serializers.UUIDField(required=False, help_text="Client-made sale id (optional).")
    storefront_id = serializers.UUIDField()
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=SaleLineInputSerializer(), allow_empty=False, max_length=500
    )
    payments: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=PaymentInputSerializer(), max_length=10
    )
    discount = money_field(min_value=0, default=Decimal("0"), help_text="Amount off the whole sale.")
    expected_total = money_field(
        required=False,
        help_text="The total the till showed; a different server total is refused (409).",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    customer = CustomerContactInput(
        required=False,
        help_text=(
            "Where to send the receipt, every key optional. A bad contact refuses the sale "
            "(400 contact_invalid, each field named in details.customer)."
        ),
    )


class VoidInput(InputSerializer):
    id = serializers.UUIDField(required=False, help_text="Client-made event id (optional).")
    reason = serializers.CharField(max_length=500)


class RefundLineInputSerializer(InputSerializer):
    sale_line_id = serializers.UUIDField()
    quantity = quantity_field(min_value=0, max_value=100000)


class RefundInput(InputSerializer):
    id = serializers.UUIDField(required=False, help_text="Client-made event id (optional).")
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=RefundLineInputSerializer(), allow_empty=False, max_length=500
    )
    reason = serializers.CharField(max_length=500)
    restock = serializers.BooleanField(default=True)
    payment_method = serializers.CharField(max_length=32, required=False, help_text="Default: cash.")


class PaymentMethodOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    is_active = serializers.BooleanField()
    position = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class PaymentMethodCreateInput(InputSerializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=PaymentMethod.Kind.values)
    position = serializers.IntegerField(min_value=0, max_value=1000, default=0)


class PaymentMethodUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=80, required=False)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)


# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------

SALE_EXAMPLE = {
    "storefront_id": SF_ID,
    "lines": [
        {"product_id": P_ID, "quantity": "2"},
        {"product_id": P_ID, "quantity": "1", "discount": "1.00"},
    ],
    "payments": [
        {"method": "mobile_money", "amount": "20.00", "provider": "MTN", "reference": "MP240115.1200.A1"},
        {"method": "cash", "amount": "50.00"},
    ],
    "discount": "0",
}


class SaleQuery(PageQuery, DayRangeQuery):
    storefront_id = serializers.UUIDField(required=False)
    cashier_id = serializers.UUIDField(required=False)
    receipt_number = serializers.CharField(required=False, allow_blank=True, max_length=64)


class SalesApi(TenantApiView):
    actions = {"GET": "sale.view", "POST": "sale.create"}
    query = {"GET": SaleQuery}

    @extend_schema(
        responses=page_of(SaleSummaryOutput),
        tags=["sales"],
        summary="Sales, newest first",
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        qs = sale_list(
            storefront_id=scope_of(request) or params.get("storefront_id"),
            cashier_id=params.get("cashier_id"),
            start=day_bounds(params["from"])[0] if params.get("from") else None,
            end=day_bounds(params["to"])[1] if params.get("to") else None,
            receipt_number=params.get("receipt_number") or None,
        )
        return paginate(request, self, qs, _SummarySerializer)

    @extend_schema(
        request=SaleInput,
        responses={201: SaleOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["sales"],
        summary="Record a sale: the server prices it, taxes it, checks payments and takes the stock",
        examples=[
            OpenApiExample("Split payment", value=SALE_EXAMPLE, request_only=True),
            OpenApiExample(
                "Card",
                value={
                    "storefront_id": SF_ID,
                    "lines": [{"product_id": P_ID, "quantity": "1"}],
                    "payments": [
                        {"method": "card", "amount": "25.00", "card_last4": "4242", "auth_code": "A1B2C3"}
                    ],
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = SaleInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        require_storefront(request, "sale.create", v["storefront_id"])

        customer = customer_contact_require(v.get("customer"))

        def run() -> Response:
            expected = v.get("expected_total")
            recorded = sale_record(
                storefront_id=v["storefront_id"],
                cashier_id=user_id(request),
                cashier_membership=request.membership,
                lines=[SaleLineInput(x["product_id"], x["quantity"], x["discount"]) for x in v["lines"]],
                payments=[
                    PaymentInput(
                        p["method"],
                        p["amount"],
                        p["provider"],
                        p["reference"],
                        p["card_last4"],
                        p["auth_code"],
                    )
                    for p in v["payments"]
                ],
                sale_discount=v["discount"],
                sale_id=v.get("id"),
                client_totals=ClientTotals(total=expected) if expected is not None else None,
                note=v["note"],
            )
            if customer.contacts:
                # Queued in the sale's transaction (idempotent runs it in one): both, or neither.
                sale_receipts_send(sale_id=recorded.sale.pk, contact=customer, source="online")
            return Response(recorded_data(recorded), status=201)

        return idempotent(request, run)


class _SummarySerializer(SaleSummaryOutput):
    """SaleSummaryOutput of a sale annotated by ``with_status``."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["status"], refunded = sale_status_of(instance)
        data["refunded_total"] = str(refunded)
        return data

    status = serializers.CharField(default="")
    refunded_total = money_field(default=0)


def _require_visible(request: Request, sale_id: uuid.UUID, action: str) -> None:
    """404 for an unknown sale or one of a storefront the member cannot see."""
    storefront_id = sale_storefront_id(sale_id=sale_id)
    if storefront_id is None:
        raise SaleNotFound()
    visible_or_404(request, action, storefront_id)


def _sale(sale_id: uuid.UUID) -> SaleWithStatus:
    sale = sale_get(sale_id=sale_id)
    if sale is None:
        raise SaleNotFound()
    return sale


class SaleDetailApi(TenantApiView):
    actions = {"GET": "sale.view"}

    @extend_schema(responses=SaleOutput, tags=["sales"], summary="One sale with lines, payments and events")
    def get(self, request: Request, sale_id: uuid.UUID) -> Response:
        sale = _sale(sale_id)
        visible_or_404(request, "sale.view", sale.storefront_id)
        return Response(stored_data(sale))


class SaleVoidApi(TenantApiView):
    actions = {"POST": "sale.void"}

    @extend_schema(
        request=VoidInput,
        responses={200: SaleOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["sales"],
        summary="Void a sale (before its shift closes): everything goes back to stock",
        examples=[
            OpenApiExample("Wrong item", value={"reason": "Rang up the wrong item"}, request_only=True)
        ],
    )
    def post(self, request: Request, sale_id: uuid.UUID) -> Response:
        _require_visible(request, sale_id, "sale.void")
        data = VoidInput(data=request.data)
        data.is_valid(raise_exception=True)

        def run() -> Response:
            sale_void(
                sale_id=sale_id,
                actor=actor_of(request),
                reason=data.validated_data["reason"],
                event_id=data.validated_data.get("id"),
            )
            return Response(stored_data(_sale(sale_id)))

        return idempotent(request, run)


class SaleRefundsApi(TenantApiView):
    actions = {"POST": "sale.refund"}

    @extend_schema(
        request=RefundInput,
        responses={201: SaleOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["sales"],
        summary="Refund some units of some lines (never more than sold), optionally back to stock",
        examples=[
            OpenApiExample(
                "One unit back",
                value={
                    "lines": [{"sale_line_id": "c1a2b3d4-0000-4000-8000-000000000004", "quantity": "1"}],
                    "reason": "Damaged packaging",
                    "restock": False,
                    "payment_method": "cash",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, sale_id: uuid.UUID) -> Response:
        _require_visible(request, sale_id, "sale.refund")
        data = RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def run() -> Response:
            sale_refund(
                sale_id=sale_id,
                lines=[RefundLineInput(x["sale_line_id"], x["quantity"]) for x in v["lines"]],
                actor=actor_of(request),
                reason=v["reason"],
                restock=v["restock"],
                payment_method=v.get("payment_method"),
                event_id=v.get("id"),
            )
            return Response(stored_data(_sale(sale_id)), status=201)

        return idempotent(request, run)


class PaymentMethodsApi(TenantApiView):
    actions = {"GET": "catalog.view", "POST": "settings.manage"}

    @extend_schema(responses=PaymentMethodOutput(many=True), tags=["payments"], summary="Payment methods")
    def get(self, request: Request) -> Response:
        return Response(PaymentMethodOutput(payment_method_list(), many=True).data)

    @extend_schema(
        request=PaymentMethodCreateInput,
        responses={201: PaymentMethodOutput},
        tags=["payments"],
        summary="Add a payment method",
        examples=[
            OpenApiExample(
                "M-Pesa", value={"code": "mpesa", "name": "M-Pesa", "kind": "mobile_money"}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = PaymentMethodCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        method = payment_method_create(**data.validated_data, actor=actor_of(request))
        return Response(PaymentMethodOutput(method).data, status=201)


class PaymentMethodDetailApi(TenantApiView):
    actions = {"PATCH": "settings.manage"}

    @extend_schema(
        request=PaymentMethodUpdateInput,
        responses=PaymentMethodOutput,
        tags=["payments"],
        summary="Rename, reorder, turn a payment method off or on",
        examples=[OpenApiExample("Turn off", value={"is_active": False}, request_only=True)],
    )
    def patch(self, request: Request, payment_method_id: uuid.UUID) -> Response:
        data = PaymentMethodUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        method = payment_method_update(
            payment_method_id=payment_method_id, actor=actor_of(request), **data.validated_data
        )
        return Response(PaymentMethodOutput(method).data)
