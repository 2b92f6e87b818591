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
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer, PageQuery, page_of
from pos_platform.api.parsers import JSONParser
from pos_platform.api.schema import ErrorOutput
from pos_platform.api.tenant import TenantApiView, paginate
from pos_platform.api.views import ApiView, TenantRequest
from pos_platform.kernel.http import json_text_problem
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


class PreferenceInput(InputSerializer):
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    channel = serializers.CharField(required=False, max_length=16)
    muted = serializers.ListField(child=serializers.CharField(max_length=16), required=False, max_length=10)
    all_shops = serializers.BooleanField(
        required=False, default=False, help_text="Change your default for every shop instead of this one."
    )


class PreferenceApi(ApiView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        tags=[TAG], summary="My message preferences at this shop", responses={200: PreferenceOutput}
    )
    def get(self, request: TenantRequest) -> Response:
        pref = services.preference_of(user_id=request.user.pk, tenant_id=request.tenant.pk)
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
        responses={
            200: PreferenceOutput,
            400: OpenApiResponse(
                ErrorOutput,
                description="`phone_invalid`, `channel_invalid`, `contact_missing`, `language_invalid`, "
                "`category_invalid` or another input error; nothing changed.",
            ),
        },
        examples=[
            OpenApiExample(
                "SMS in French", value={"language": "fr", "phone": "+233241234567", "channel": "sms"}
            ),
        ],
    )
    def patch(self, request: TenantRequest) -> Response:
        data = PreferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        all_shops = values.pop("all_shops", False)
        tenant = request.tenant
        pref = services.preference_update(
            user_id=request.user.pk,
            tenant_id=None if all_shops else tenant.pk,
            region=getattr(tenant, "country", "") or None,
            **values,
        )
        return Response(PreferenceOutput(pref).data)


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "20:00"})
class ShopTimeField(serializers.TimeField):
    """A time of day in the shop's time zone, ``HH:MM``. Not JSON Schema's ``time`` format, which
    is a time with a UTC offset: the shop's offset changes with its time zone's rules."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class ShopMessagingOutput(serializers.Serializer):
    low_stock_alerts = serializers.BooleanField()
    daily_summary = serializers.BooleanField()
    closing_time = ShopTimeField(help_text="The daily summary goes out then, in the shop's time zone.")
    language = serializers.CharField(help_text="Of customers' receipts when the cashier gives none.")


class ShopMessagingInput(InputSerializer):
    low_stock_alerts = serializers.BooleanField(required=False)
    daily_summary = serializers.BooleanField(required=False)
    closing_time = ShopTimeField(required=False)
    language = serializers.CharField(required=False, max_length=8)


class ShopMessagingApi(TenantApiView):
    actions = {"GET": "settings.manage", "PATCH": "settings.manage"}

    @extend_schema(tags=[TAG], summary="The shop's message settings", responses={200: ShopMessagingOutput})
    def get(self, request: TenantRequest) -> Response:
        shop = services.shop_messaging_of(tenant_id=request.tenant.pk)
        return Response(ShopMessagingOutput(shop).data)

    @extend_schema(
        tags=[TAG],
        summary="Change the shop's message settings",
        request=ShopMessagingInput,
        responses={200: ShopMessagingOutput},
        examples=[
            OpenApiExample("Summary at 20:00", value={"daily_summary": True, "closing_time": "20:00"}),
        ],
    )
    def patch(self, request: TenantRequest) -> Response:
        data = ShopMessagingInput(data=request.data)
        data.is_valid(raise_exception=True)
        shop = services.shop_messaging_update(tenant_id=request.tenant.pk, **data.validated_data)
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


class MessageQuery(PageQuery):
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    kind = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="`receipt`, `low_stock`, `password_reset`, ...",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)


class MessageListApi(TenantApiView):
    actions = {"GET": "audit.view"}
    query = {"GET": MessageQuery}

    @extend_schema(
        tags=[TAG],
        summary="The shop's messages and their delivery status",
        description="Newest first; filter by `status`, `kind` or `channel`. Addresses are masked.",
        responses=page_of(MessageOutput),
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        rows = messages_of_shop(
            tenant_id=request.tenant.pk,
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


class AfricasTalkingReportInput(serializers.Serializer):
    """What the schema shows of a report; the provider adds fields of its own, which are kept in
    the report's payload, not refused."""

    id = serializers.CharField(max_length=200, help_text="The provider's message id.")
    status = serializers.CharField(max_length=32, help_text="Success, Failed, Rejected, ...")
    phoneNumber = serializers.CharField(required=False, max_length=40)  # the provider's names
    failureReason = serializers.CharField(required=False, max_length=200)


class AfricasTalkingReportApi(ApiView):
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
        request={
            "application/x-www-form-urlencoded": AfricasTalkingReportInput,
            "application/json": AfricasTalkingReportInput,
        },
        responses={
            200: ReportAckOutput,
            400: OpenApiResponse(ErrorOutput, description="`report_payload_invalid`"),
            401: OpenApiResponse(ErrorOutput, description="`report_token_invalid`"),
            503: OpenApiResponse(ErrorOutput, description="`reports_not_configured`"),
        },
    )
    def post(self, request: TenantRequest, token: str) -> Response:
        secret = settings.POS_AT_CALLBACK_TOKEN
        if not secret:
            logger.error("messages: a delivery report arrived but POS_AT_CALLBACK_TOKEN is not set")
            raise ReportsNotConfigured()
        if not constant_time_compare(token, secret):
            logger.warning("messages: a delivery report with a wrong token was refused")
            raise ReportTokenInvalid()
        data: Any = request.data
        if not hasattr(data, "items"):
            raise ReportPayloadInvalid()
        # Form bodies do not pass the JSON parser's text check: nothing with a NUL or another
        # control character is stored.
        if json_text_problem({str(k): v for k, v in data.items()}) is not None:
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
