"""Receipts in the API: a sale's public receipt address, and sending it to a customer."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer
from pos_platform.api.schema import ErrorOutput
from pos_platform.api.tenant import TenantApiView, user_id, visible_or_404
from pos_platform.api.views import TenantRequest
from tenant_apps.receipts.errors import ReceiptSaleNotFound
from tenant_apps.receipts.selectors import receipt_requests_of
from tenant_apps.receipts.services import receipt_send, receipt_url
from tenant_apps.sales.selectors import sale_storefront_id

TAG = "receipts"


class ReceiptRequestOutput(serializers.Serializer):
    channel = serializers.CharField()
    to = serializers.CharField()
    origin = serializers.CharField(source="source", help_text="online, terminal or staff.")
    status = serializers.CharField(
        help_text="The message's delivery status: queued, sent, delivered, failed, ..."
    )
    created_at = serializers.DateTimeField()


class ReceiptOutput(serializers.Serializer):
    url = serializers.CharField(
        help_text="The public receipt page (unguessable; anyone with it can read the receipt)."
    )
    sent_to = ReceiptRequestOutput(many=True)


class ReceiptSendInput(InputSerializer):
    channel = serializers.ChoiceField(choices=["sms", "whatsapp", "email"])
    to = serializers.CharField(
        max_length=254, help_text="A phone number (E.164, or of the shop's country) or an e-mail."
    )
    language = serializers.ChoiceField(choices=["en", "fr"], required=False)


def _visible_sale(request: TenantRequest, sale_id: uuid.UUID) -> None:
    storefront_id = sale_storefront_id(sale_id=sale_id)
    if storefront_id is None:
        raise ReceiptSaleNotFound()
    visible_or_404(request, "sale.view", storefront_id)


def _output(sale_id: uuid.UUID) -> dict[str, object]:
    return ReceiptOutput(
        {"url": receipt_url(sale_id=sale_id), "sent_to": receipt_requests_of(sale_id=sale_id)}
    ).data


class SaleReceiptApi(TenantApiView):
    actions = {"GET": "sale.view", "POST": "sale.view"}

    @extend_schema(
        tags=[TAG],
        summary="A sale's public receipt address and where it was sent",
        responses={200: ReceiptOutput, 404: OpenApiResponse(ErrorOutput, description="`sale_not_found`")},
    )
    def get(self, request: TenantRequest, sale_id: uuid.UUID) -> Response:
        _visible_sale(request, sale_id)
        return Response(_output(sale_id))

    @extend_schema(
        tags=[TAG],
        summary="Send the receipt to a customer",
        description=(
            "By SMS, WhatsApp or e-mail. The same address twice sends once; at most "
            "`POS_RECEIPT_MAX_ADDRESSES` addresses per sale (`429 receipt_send_limit`). A bad "
            "number or address answers `400 contact_invalid` and sends nothing."
        ),
        request=ReceiptSendInput,
        responses={
            202: ReceiptOutput,
            400: OpenApiResponse(ErrorOutput, description="`contact_invalid`"),
            404: OpenApiResponse(ErrorOutput, description="`sale_not_found`"),
            429: OpenApiResponse(ErrorOutput, description="`receipt_send_limit`"),
        },
        examples=[
            OpenApiExample("By SMS", value={"channel": "sms", "to": "+233241234567"}, request_only=True)
        ],
    )
    def post(self, request: TenantRequest, sale_id: uuid.UUID) -> Response:
        _visible_sale(request, sale_id)
        data = ReceiptSendInput(data=request.data)
        data.is_valid(raise_exception=True)
        receipt_send(
            sale_id=sale_id,
            channel=data.validated_data["channel"],
            to=data.validated_data["to"],
            language=data.validated_data.get("language"),
            source="staff",
            requested_by=user_id(request),
        )
        return Response(_output(sale_id), status=202)
