"""The messages API.

On a shop's host: a member's own preferences (``/messages/preferences``), the shop's message
settings (owners and admins), and the shop's outbox with each message's delivery status.

On the platform host: the SMS provider's delivery reports, authenticated by the secret in their
address, and the opt-out link of a message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pos_platform.api.tenant import TenantApiView, paginate
from shared_apps.accounts.permissions import IsTenantMember
from shared_apps.messaging import services
from shared_apps.messaging.errors import ReportPayloadInvalid, ReportsNotConfigured, ReportTokenInvalid
from shared_apps.messaging.models import Category, Channel, Message
from shared_apps.messaging.selectors import messages_of_shop

logger = logging.getLogger(__name__)
TAG = "messages"


class PreferenceOutput(serializers.Serializer):
    language = serializers.CharField(help_text="en or fr; empty: the shop's language.")
    phone = serializers.CharField(help_text="E.164; where SMS and WhatsApp messages go.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    muted = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    scope = serializers.SerializerMethodField()

    def get_scope(self, pref: Any) -> str:
        return "shop" if pref.tenant_id else "all_shops"


class PreferenceInput(serializers.Serializer):
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    channel = serializers.CharField(required=False, max_length=16)
    muted = serializers.ListField(child=serializers.CharField(max_length=16), required=False, max_length=10)
    all_shops = serializers.BooleanField(
        required=False, default=False, help_text="Change your default for every shop instead of this one."
    )


class PreferenceApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        tags=[TAG], summary="My message preferences at this shop", responses={200: PreferenceOutput}
    )
    def get(self, request: Request) -> Response:
        pref = services.preference_of(
            user_id=request.user.pk,  # type: ignore[arg-type]
            tenant_id=request.tenant.pk,  # type: ignore[attr-defined]
        )
        return Response(PreferenceOutput(pref).data)

    @extend_schema(
        tags=[TAG],
        summary="Change my message preferences",
        description=(
            "Language, phone (normalised to E.164; `phone_invalid` otherwise), the channel for "
            "alerts and notices (`sms` and `whatsapp` need a phone), and the categories to mute "
            "(`stock`, `summary`, `billing`, `receipt`; security messages cannot be muted)."
        ),
        request=PreferenceInput,
        responses={200: PreferenceOutput, 400: OpenApiResponse(description="invalid input; nothing changed")},
    )
    def patch(self, request: Request) -> Response:
        data = PreferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        all_shops = values.pop("all_shops", False)
        tenant = request.tenant  # type: ignore[attr-defined]
        pref = services.preference_update(
            user_id=request.user.pk,  # type: ignore[arg-type]
            tenant_id=None if all_shops else tenant.pk,
            region=getattr(tenant, "country", "") or None,
            **values,
        )
        return Response(PreferenceOutput(pref).data)


class ShopMessagingOutput(serializers.Serializer):
    low_stock_alerts = serializers.BooleanField()
    daily_summary = serializers.BooleanField()
    closing_time = serializers.TimeField(
        help_text="The daily summary goes out then, in the shop's time zone."
    )
    language = serializers.CharField(help_text="Of customers' receipts when the cashier gives none.")


class ShopMessagingInput(serializers.Serializer):
    low_stock_alerts = serializers.BooleanField(required=False)
    daily_summary = serializers.BooleanField(required=False)
    closing_time = serializers.TimeField(required=False)
    language = serializers.CharField(required=False, max_length=8)


class ShopMessagingApi(TenantApiView):
    actions = {"GET": "settings.manage", "PATCH": "settings.manage"}

    @extend_schema(tags=[TAG], summary="The shop's message settings", responses={200: ShopMessagingOutput})
    def get(self, request: Request) -> Response:
        shop = services.shop_messaging_of(tenant_id=request.tenant.pk)  # type: ignore[attr-defined]
        return Response(ShopMessagingOutput(shop).data)

    @extend_schema(
        tags=[TAG],
        summary="Change the shop's message settings",
        request=ShopMessagingInput,
        responses={200: ShopMessagingOutput},
    )
    def patch(self, request: Request) -> Response:
        data = ShopMessagingInput(data=request.data)
        data.is_valid(raise_exception=True)
        shop = services.shop_messaging_update(tenant_id=request.tenant.pk, **data.validated_data)  # type: ignore[attr-defined]
        return Response(ShopMessagingOutput(shop).data)


class MessageOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    category = serializers.CharField()
    channel = serializers.CharField()
    to = serializers.SerializerMethodField(help_text="Masked: the address is not shown in full.")
    status = serializers.ChoiceField(choices=Message.Status.choices)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)

    def get_to(self, message: Message) -> str:
        from shared_apps.messaging.addresses import phone_masked

        if message.channel == Channel.EMAIL:
            name, _, domain = message.to.partition("@")
            return f"{name[:2]}***@{domain}"
        return phone_masked(message.to)


class MessageListApi(TenantApiView):
    actions = {"GET": "audit.view"}

    @extend_schema(
        tags=[TAG],
        summary="The shop's messages and their delivery status",
        description="Newest first; filter by `status`, `kind` or `channel`. Addresses are masked.",
        responses={200: MessageOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rows = messages_of_shop(
            tenant_id=request.tenant.pk,  # type: ignore[attr-defined]
            status=params.get("status") or None,
            kind=params.get("kind") or None,
            channel=params.get("channel") or None,
        )
        return paginate(request, self, rows, MessageOutput)


# --------------------------------------------------------------------------------------------
# Platform host
# --------------------------------------------------------------------------------------------


class ReportAckOutput(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["recorded", "duplicate", "ignored"],
        help_text="ignored: not a message of ours to that number (answered 200 so the provider stops).",
    )


class AfricasTalkingReportApi(APIView):
    """Africa's Talking's delivery reports (SMS and WhatsApp), POSTed form-encoded (or JSON) to
    ``/api/v1/messages/reports/africastalking/<POS_AT_CALLBACK_TOKEN>``. The provider does not
    sign its callbacks: the secret in the address authenticates them, and a report only counts
    for a message we sent, matched by the provider's id and the number."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="Delivery report (Africa's Talking)",
        request=None,
        responses={
            200: ReportAckOutput,
            400: OpenApiResponse(description="report_payload_invalid"),
            401: OpenApiResponse(description="report_token_invalid"),
            503: OpenApiResponse(description="reports_not_configured"),
        },
    )
    def post(self, request: Request, token: str) -> Response:
        secret = settings.POS_AT_CALLBACK_TOKEN
        if not secret:
            logger.error("messages: a delivery report arrived but POS_AT_CALLBACK_TOKEN is not set")
            raise ReportsNotConfigured()
        if not constant_time_compare(token, secret):
            logger.warning("messages: a delivery report with a wrong token was refused")
            raise ReportTokenInvalid()
        data: Any = request.data
        if not hasattr(data, "get"):
            raise ReportPayloadInvalid()
        ident, status = data.get("id"), data.get("status")
        if not isinstance(ident, str) or not ident or not isinstance(status, str) or not status:
            raise ReportPayloadInvalid()
        phone = data.get("phoneNumber") or ""
        reason = data.get("failureReason") or data.get("reason") or ""
        outcome = services.delivery_report_record(
            providers=("africastalking", "africastalking-whatsapp"),
            provider_message_id=ident[:200],
            status=status[:32],
            phone=phone if isinstance(phone, str) else "",
            reason=reason if isinstance(reason, str) else "",
            payload={k: str(v)[:200] for k, v in list(data.items())[:20]},
        )
        return Response(ReportAckOutput({"result": outcome.result}).data)
