from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import prefetch_related_objects
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
)
from pos_platform.api.views import TenantRequest
from pos_platform.kernel.fields import quantity_field
from tenant_apps.inventory.models import ADJUST_REASONS, MOVEMENT_KINDS, StockOperation
from tenant_apps.inventory.selectors import stock_levels, stock_movements
from tenant_apps.inventory.services import StockLine, stock_adjust, stock_count, stock_receive, stock_transfer
from tenant_apps.shop.services import day_bounds

SF_ID = "5f0c6b1e-0000-4000-8000-000000000002"
P_ID = "0d6b7c8a-0000-4000-8000-000000000003"


class LevelOutput(serializers.Serializer):
    product_id = serializers.UUIDField()
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    storefront_id = serializers.UUIDField()
    storefront_code = serializers.CharField(source="storefront.code")
    quantity = quantity_field()
    reorder_level = quantity_field(source="product.reorder_level")
    updated_at = serializers.DateTimeField()


class MovementOutput(serializers.Serializer):
    id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    sku = serializers.CharField(source="product.sku")
    storefront_id = serializers.UUIDField()
    kind = serializers.CharField()
    quantity = quantity_field()
    reason = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    sale_id = serializers.UUIDField(allow_null=True)
    sale_event_id = serializers.UUIDField(allow_null=True)
    operation_id = serializers.UUIDField(allow_null=True)
    actor_id = serializers.UUIDField(allow_null=True)


class OperationMovementOutput(serializers.Serializer):
    product_id = serializers.UUIDField()
    storefront_id = serializers.UUIDField()
    kind = serializers.CharField()
    quantity = quantity_field()


class CountLineOutput(serializers.Serializer):
    product_id = serializers.UUIDField()
    expected = quantity_field()
    counted = quantity_field()
    difference = quantity_field()


class OperationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    storefront_id = serializers.UUIDField()
    to_storefront_id = serializers.UUIDField(allow_null=True)
    reason = serializers.CharField()
    note = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    movements = OperationMovementOutput(many=True, source="movements.all")
    count_lines = CountLineOutput(many=True, source="count_lines.all")


class LineInput(InputSerializer):
    product_id = serializers.UUIDField()
    quantity = quantity_field(min_value=0, max_value=100000)


class SignedLineInput(InputSerializer):
    product_id = serializers.UUIDField()
    quantity = quantity_field(min_value=-100000, max_value=100000, help_text="Signed.")


class _OperationInput(InputSerializer):
    id = serializers.UUIDField(required=False, help_text="Client-made id of the operation (optional).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReceiveInput(_OperationInput):
    storefront_id = serializers.UUIDField()
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=LineInput(), allow_empty=False, max_length=500
    )


class AdjustInput(_OperationInput):
    storefront_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=list(ADJUST_REASONS))
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=SignedLineInput(), allow_empty=False, max_length=500
    )


class CountInput(_OperationInput):
    storefront_id = serializers.UUIDField()
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=LineInput(), allow_empty=False, max_length=500, help_text="quantity = counted."
    )


class TransferInput(_OperationInput):
    from_storefront_id = serializers.UUIDField()
    to_storefront_id = serializers.UUIDField()
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=LineInput(), allow_empty=False, max_length=500
    )


def _book(
    request: Request,
    action: str,
    form: type[_OperationInput],
    book: Callable[[dict[str, Any], dict[str, Any]], StockOperation],
    *,
    storefront_field: str = "storefront_id",
) -> Response:
    """Parse ``form``, check that the member may ``action`` at its storefront, then run
    ``book(data, common)`` once per Idempotency-Key and render the operation; ``common`` holds
    the arguments every stock service takes."""
    parsed = form(data=request.data)
    parsed.is_valid(raise_exception=True)
    data = parsed.validated_data
    require_storefront(request, action, data[storefront_field])

    def run() -> Response:
        common = {
            "lines": [StockLine(product_id=x["product_id"], quantity=x["quantity"]) for x in data["lines"]],
            "actor": actor_of(request),
            "note": data["note"],
            "operation_id": data.get("id"),
        }
        operation = book(data, common)
        prefetch_related_objects([operation], "movements", "count_lines")
        return Response(OperationOutput(operation).data, status=201)

    return idempotent(request, run)


class LevelQuery(PageQuery):
    storefront_id = serializers.UUIDField(required=False)
    product_id = serializers.UUIDField(required=False)
    low = serializers.BooleanField(
        required=False, default=False, help_text="Only levels at or below the reorder level."
    )


class StockLevelsApi(TenantApiView):
    actions = {"GET": "stock.view"}
    query = {"GET": LevelQuery}

    @extend_schema(
        responses=page_of(LevelOutput),
        tags=["stock"],
        summary="Stock levels per product and storefront",
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        qs = stock_levels(
            storefront_id=scope_of(request) or params.get("storefront_id"),
            product_id=params.get("product_id"),
            low_only=params["low"],
        )
        return paginate(request, self, qs, LevelOutput)


class MovementQuery(PageQuery, DayRangeQuery):
    storefront_id = serializers.UUIDField(required=False)
    product_id = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=list(MOVEMENT_KINDS), required=False)


class StockMovementsApi(TenantApiView):
    actions = {"GET": "stock.view"}
    query = {"GET": MovementQuery}

    @extend_schema(
        responses=page_of(MovementOutput),
        tags=["stock"],
        summary="The stock ledger, newest first",
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        qs = stock_movements(
            storefront_id=scope_of(request) or params.get("storefront_id"),
            product_id=params.get("product_id"),
            kind=params.get("kind"),
            start=day_bounds(params["from"])[0] if params.get("from") else None,
            end=day_bounds(params["to"])[1] if params.get("to") else None,
        )
        return paginate(request, self, qs, MovementOutput)


def _operation_schema(form: type[_OperationInput], summary: str, example: str, value: dict[str, Any]) -> Any:
    """The OpenAPI description of a stock document's POST."""
    return extend_schema(
        request=form,
        responses={201: OperationOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["stock"],
        summary=summary,
        examples=[OpenApiExample(example, value=value, request_only=True)],
    )


class StockReceiptsApi(TenantApiView):
    actions = {"POST": "stock.receive"}

    @_operation_schema(
        ReceiveInput,
        "Receive goods at a storefront",
        "Delivery",
        {
            "storefront_id": SF_ID,
            "lines": [{"product_id": P_ID, "quantity": "24"}],
            "note": "Supplier invoice 1182",
        },
    )
    def post(self, request: Request) -> Response:
        return _book(
            request,
            "stock.receive",
            ReceiveInput,
            lambda v, common: stock_receive(storefront_id=v["storefront_id"], **common),
        )


class StockAdjustmentsApi(TenantApiView):
    actions = {"POST": "stock.adjust"}

    @_operation_schema(
        AdjustInput,
        "Adjust stock with a reason (signed quantities)",
        "Breakage",
        {
            "storefront_id": SF_ID,
            "reason": "damaged",
            "lines": [{"product_id": P_ID, "quantity": "-2"}],
        },
    )
    def post(self, request: Request) -> Response:
        return _book(
            request,
            "stock.adjust",
            AdjustInput,
            lambda v, common: stock_adjust(storefront_id=v["storefront_id"], reason=v["reason"], **common),
        )


class StockCountsApi(TenantApiView):
    actions = {"POST": "stock.count"}

    @_operation_schema(
        CountInput,
        "Record a stock count; differences are booked and kept as a discrepancy record",
        "Shelf count",
        {"storefront_id": SF_ID, "lines": [{"product_id": P_ID, "quantity": "17"}]},
    )
    def post(self, request: Request) -> Response:
        return _book(
            request,
            "stock.count",
            CountInput,
            lambda v, common: stock_count(storefront_id=v["storefront_id"], **common),
        )


class StockTransfersApi(TenantApiView):
    actions = {"POST": "stock.transfer"}

    @_operation_schema(
        TransferInput,
        "Transfer goods between two storefronts",
        "To Kumasi",
        {
            "from_storefront_id": SF_ID,
            "to_storefront_id": "5f0c6b1e-0000-4000-8000-000000000009",
            "lines": [{"product_id": P_ID, "quantity": "6"}],
        },
    )
    def post(self, request: Request) -> Response:
        return _book(
            request,
            "stock.transfer",
            TransferInput,
            lambda v, common: stock_transfer(
                from_storefront_id=v["from_storefront_id"], to_storefront_id=v["to_storefront_id"], **common
            ),
            storefront_field="from_storefront_id",
        )
