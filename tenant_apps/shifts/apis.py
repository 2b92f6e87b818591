from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer, PageQuery, page_of
from pos_platform.api.tenant import (
    IDEMPOTENCY_HEADER,
    TenantApiView,
    actor_of,
    idempotent,
    paginate,
    require_storefront,
    scope_of,
    user_id,
)
from pos_platform.api.views import TenantRequest
from pos_platform.kernel.errors import NotFound
from pos_platform.kernel.fields import money_field
from shared_apps.accounts.permissions import can
from tenant_apps.shifts.models import Shift
from tenant_apps.shifts.selectors import shift_actionable, shift_list
from tenant_apps.shifts.services import cash_movement_record, shift_close, shift_expected, shift_open

SF_ID = "5f0c6b1e-0000-4000-8000-000000000002"


class ShiftCountOutput(serializers.Serializer):
    method_code = serializers.CharField()
    method_kind = serializers.CharField()
    expected = money_field()
    counted = money_field(allow_null=True)
    difference = money_field(allow_null=True)


class ShiftOutput(serializers.Serializer):
    id = serializers.UUIDField()
    storefront_id = serializers.UUIDField()
    cashier_id = serializers.UUIDField()
    opening_float = money_field()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by_id = serializers.UUIDField(allow_null=True)
    close_note = serializers.CharField()
    counts = ShiftCountOutput(many=True, source="counts.all")


class ShiftOpenInput(InputSerializer):
    id = serializers.UUIDField(required=False, help_text="Client-made shift id (optional).")
    storefront_id = serializers.UUIDField()
    opening_float = money_field(min_value=0)


class CashMovementInput(InputSerializer):
    id = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=["in", "out"])
    amount = money_field(min_value=0)
    reason = serializers.CharField(max_length=500)


class CashMovementOutput(serializers.Serializer):
    id = serializers.UUIDField()
    shift_id = serializers.UUIDField()
    kind = serializers.CharField()
    amount = money_field()
    reason = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class ShiftCloseInput(InputSerializer):
    counted = serializers.DictField(
        child=money_field(min_value=0),
        allow_empty=False,
        help_text="Counted amount per payment method code; cash is required.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ShiftExpectedOutput(serializers.Serializer):
    method_code = serializers.CharField()
    method_kind = serializers.CharField()
    expected = money_field()


class ShiftDetailOutput(ShiftOutput):
    expected = ShiftExpectedOutput(many=True)


def _own_or_managed(request: TenantRequest, shift_id: uuid.UUID) -> Shift:
    """The shift if the member may act on it: their own (shift.operate) or as a supervisor of its
    storefront (shift.manage); otherwise 404."""
    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None or not shift_actionable(
        membership=request.membership, user_id=request.user.pk, shift=shift
    ):
        raise NotFound()
    return shift


class ShiftQuery(PageQuery):
    storefront_id = serializers.UUIDField(required=False)
    cashier_id = serializers.UUIDField(required=False)
    open = serializers.BooleanField(required=False, default=False, help_text="Only open shifts.")


class ShiftsApi(TenantApiView):
    actions = {"GET": "shift.operate", "POST": "shift.operate"}
    query = {"GET": ShiftQuery}

    @extend_schema(
        responses=page_of(ShiftOutput),
        tags=["shifts"],
        summary="Shifts (a cashier sees their own; supervisors all of their storefronts)",
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        cashier_id = params.get("cashier_id")
        if not can(request.membership, "shift.view"):
            cashier_id = request.user.pk
        qs = shift_list(
            storefront_id=scope_of(request) or params.get("storefront_id"),
            cashier_id=cashier_id,
            open_only=params["open"],
        )
        return paginate(request, self, qs, ShiftOutput)

    @extend_schema(
        request=ShiftOpenInput,
        responses={201: ShiftOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["shifts"],
        summary="Open your shift at a storefront with a cash float",
        examples=[
            OpenApiExample(
                "Morning", value={"storefront_id": SF_ID, "opening_float": "200.00"}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = ShiftOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        require_storefront(request, "shift.operate", v["storefront_id"])

        def run() -> Response:
            shift = shift_open(
                storefront_id=v["storefront_id"],
                cashier_id=user_id(request),
                opening_float=v["opening_float"],
                actor=actor_of(request),
                shift_id=v.get("id"),
            )
            return Response(ShiftOutput(shift).data, status=201)

        return idempotent(request, run)


class ShiftDetailApi(TenantApiView):
    actions = {"GET": "shift.operate"}

    @extend_schema(
        responses=ShiftDetailOutput, tags=["shifts"], summary="One shift, with what the drawer should hold"
    )
    def get(self, request: TenantRequest, shift_id: uuid.UUID) -> Response:
        shift = _own_or_managed(request, shift_id)
        data: dict[str, Any] = dict(ShiftOutput(shift).data)
        data["expected"] = [
            {"method_code": code, "method_kind": kind, "expected": str(amount)}
            for code, (kind, amount) in shift_expected(shift).items()
        ]
        return Response(data)


class ShiftCashMovementsApi(TenantApiView):
    actions = {"POST": "shift.operate"}

    @extend_schema(
        request=CashMovementInput,
        responses={201: CashMovementOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["shifts"],
        summary="Cash into or out of the drawer, with a reason",
        examples=[
            OpenApiExample(
                "Bank drop",
                value={"kind": "out", "amount": "500.00", "reason": "Bank deposit"},
                request_only=True,
            )
        ],
    )
    def post(self, request: TenantRequest, shift_id: uuid.UUID) -> Response:
        shift = _own_or_managed(request, shift_id)
        data = CashMovementInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def run() -> Response:
            movement = cash_movement_record(
                shift_id=shift.pk,
                kind=v["kind"],
                amount=v["amount"],
                reason=v["reason"],
                actor=actor_of(request),
                movement_id=v.get("id"),
            )
            return Response(CashMovementOutput(movement).data, status=201)

        return idempotent(request, run)


class ShiftCloseApi(TenantApiView):
    actions = {"POST": "shift.operate"}

    @extend_schema(
        request=ShiftCloseInput,
        responses={200: ShiftOutput},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["shifts"],
        summary="Close a shift with the counted amounts; differences are recorded",
        examples=[
            OpenApiExample(
                "Close", value={"counted": {"cash": "1234.50", "mobile_money": "310.00"}}, request_only=True
            )
        ],
    )
    def post(self, request: TenantRequest, shift_id: uuid.UUID) -> Response:
        shift = _own_or_managed(request, shift_id)
        data = ShiftCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def run() -> Response:
            closed = shift_close(
                shift_id=shift.pk, counted=v["counted"], actor=actor_of(request), note=v["note"]
            )
            return Response(ShiftOutput(closed).data)

        return idempotent(request, run)
