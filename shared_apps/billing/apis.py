"""Billing's API.

On a tenant's host, read-only, for owners and admins (``billing.view``): the subscription and the
invoices. Nothing here accepts a plan, a tier, an amount or a storefront count: those come only
from the server.

On the platform host: the payment provider's webhook, authenticated by its HMAC signature.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import PageQuery, page_of
from pos_platform.api.tenant import paginate
from pos_platform.api.views import ApiView, TenantRequest
from shared_apps.accounts.permissions import Allows
from shared_apps.billing.errors import WebhookNotConfigured, WebhookPayloadInvalid, WebhookSignatureInvalid
from shared_apps.billing.models import Invoice, Subscription
from shared_apps.billing.selectors import invoice_list, invoice_of, invoice_open_of, subscription_of
from shared_apps.billing.services.payments import PAYSTACK, Charge, payment_apply, signature_valid

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Tenant host: read-only
# --------------------------------------------------------------------------------------------


class TierOutput(serializers.Serializer):
    currency = serializers.CharField()
    min_storefronts = serializers.IntegerField()
    max_storefronts = serializers.IntegerField(allow_null=True)
    base_price = serializers.CharField(help_text="Decimal string.")
    price_per_additional = serializers.CharField(help_text="Decimal string.")


class LineOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rate_percent = serializers.CharField(help_text='Percentage of the base amount, e.g. "2.5".')
    basis = serializers.CharField(help_text="What the percentage applies to: always base_amount.")
    amount = serializers.CharField(help_text="Decimal string in the invoice's currency.")


def _tier_of(snapshot_tier: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snapshot_tier:
        return None
    return {key: value for key, value in snapshot_tier.items() if key != "id"}


class InvoiceSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    reference = serializers.CharField(help_text="The payment reference to quote when paying.")
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    issued_on = serializers.DateField()
    due_on = serializers.DateField()


class InvoiceOutput(InvoiceSummaryOutput):
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="Exclusive.")
    paid_at = serializers.DateTimeField(allow_null=True)
    storefront_count = serializers.IntegerField(help_text="Storefronts billed.")
    tier = serializers.SerializerMethodField()
    base_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    taxes = serializers.SerializerMethodField()
    charges = serializers.SerializerMethodField()
    tax_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    charge_amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    @extend_schema_field(TierOutput)
    def get_tier(self, invoice: Invoice) -> dict[str, Any] | None:
        return _tier_of(invoice.snapshot.get("tier"))

    @extend_schema_field(LineOutput(many=True))
    def get_taxes(self, invoice: Invoice) -> list[dict[str, Any]]:
        return list(invoice.snapshot.get("taxes", []))

    @extend_schema_field(LineOutput(many=True))
    def get_charges(self, invoice: Invoice) -> list[dict[str, Any]]:
        return list(invoice.snapshot.get("charges", []))


class SubscriptionOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Subscription.Status.choices)
    currency = serializers.CharField()
    period_start = serializers.DateField(help_text="Start of the period paid for (or of the trial).")
    period_end = serializers.DateField(
        help_text="End of that period, exclusive; the next invoice is issued then."
    )
    storefront_count = serializers.IntegerField(
        help_text="Active storefronts when last counted by the server."
    )
    billable_storefronts = serializers.IntegerField(
        source="peak_storefront_count",
        help_text="The most storefronts active at once since the last invoice: what the next invoice bills.",
    )
    tier = serializers.SerializerMethodField()
    next_invoice_base_amount = serializers.DecimalField(
        source="amount",
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="Before taxes and charges, at today's tiers; null when no tier prices it.",
    )
    open_invoice = serializers.SerializerMethodField()

    @extend_schema_field(TierOutput(allow_null=True))
    def get_tier(self, subscription: Subscription) -> dict[str, Any] | None:
        tier = subscription.tier
        if tier is None:
            return None
        return TierOutput(tier).data

    @extend_schema_field(InvoiceSummaryOutput(allow_null=True))
    def get_open_invoice(self, subscription: Subscription) -> dict[str, Any] | None:
        invoice = self.context.get("open_invoice")
        return InvoiceSummaryOutput(invoice).data if invoice is not None else None


class SubscriptionApi(ApiView):
    permission_classes = [IsAuthenticated, Allows("billing.view")]

    @extend_schema(
        operation_id="billing_subscription",
        tags=["billing"],
        summary="The shop's subscription",
        description=(
            "Status, the current period and what the next invoice will bill. The server counts "
            "the storefronts and picks the tier; nothing here can be set by a client."
        ),
        responses={200: SubscriptionOutput, 404: OpenApiResponse(description="subscription_not_found")},
    )
    def get(self, request: TenantRequest) -> Response:
        tenant_id = request.tenant.pk
        subscription = subscription_of(tenant_id=tenant_id)
        context = {"open_invoice": invoice_open_of(tenant_id=tenant_id)}
        return Response(SubscriptionOutput(subscription, context=context).data)


class InvoiceListApi(ApiView):
    permission_classes = [IsAuthenticated, Allows("billing.view")]
    query = {"GET": PageQuery}

    @extend_schema(
        operation_id="billing_invoice_list",
        tags=["billing"],
        summary="The shop's invoices, newest first",
        responses={200: page_of(InvoiceOutput)},
    )
    def get(self, request: TenantRequest) -> Response:
        return paginate(request, self, invoice_list(tenant_id=request.tenant.pk), InvoiceOutput)


class InvoiceDetailApi(ApiView):
    permission_classes = [IsAuthenticated, Allows("billing.view")]

    @extend_schema(
        operation_id="billing_invoice_detail",
        tags=["billing"],
        summary="One invoice, with its tax and charge lines as issued",
        responses={200: InvoiceOutput, 404: OpenApiResponse(description="invoice_not_found")},
    )
    def get(self, request: TenantRequest, invoice_id: str) -> Response:
        invoice = invoice_of(tenant_id=request.tenant.pk, invoice_id=invoice_id)
        return Response(InvoiceOutput(invoice).data)


# --------------------------------------------------------------------------------------------
# Platform host: the payment provider's webhook
# --------------------------------------------------------------------------------------------


class PaystackChargeInput(serializers.Serializer):
    id = serializers.CharField(max_length=100, help_text="The provider's transaction id.")
    reference = serializers.CharField(max_length=100)
    amount = serializers.IntegerField(min_value=0, help_text="In the currency's minor unit (pesewas).")
    currency = serializers.RegexField(r"^[A-Z]{3}$")
    status = serializers.CharField(max_length=32)
    paid_at = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    channel = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)


class PaystackEventInput(serializers.Serializer):
    event = serializers.CharField(max_length=64)
    # Paystack's field name; DRF takes declared fields off the class, so .data is unaffected.
    data = PaystackChargeInput()  # type: ignore[assignment]


class WebhookAckOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["applied", "duplicate", "already_paid", "ignored"],
        help_text="applied: the invoice is paid; duplicate: this event was already processed; "
        "already_paid: another payment had paid it (kept for refund); ignored: not a successful charge.",
    )
    invoice = serializers.CharField(allow_null=True)


SIGNATURE_HEADER = "x-paystack-signature"


class PaystackWebhookApi(ApiView):
    # The provider authenticates by signing the body; there is no user, session or CSRF token.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="billing_webhook_paystack",
        tags=["billing"],
        summary="Payment notification (Paystack)",
        description=(
            "Signed with HMAC-SHA512 of the raw body under `POS_PAYMENT_WEBHOOK_SECRET`, hex, in "
            "the `x-paystack-signature` header. Only `charge.success` events change anything; the "
            "invoice is found by `data.reference`, and `data.amount`/`data.currency` must equal "
            "its total. Metadata is never read."
        ),
        request=PaystackEventInput,
        responses={
            200: WebhookAckOutput,
            400: OpenApiResponse(
                description="payment_amount_mismatch, payment_currency_mismatch, webhook_payload_invalid"
            ),
            401: OpenApiResponse(description="webhook_signature_invalid"),
            404: OpenApiResponse(description="invoice_not_found"),
            503: OpenApiResponse(description="webhook_not_configured"),
        },
        examples=[
            OpenApiExample(
                "charge.success",
                request_only=True,
                value={
                    "event": "charge.success",
                    "data": {
                        "id": 302961,
                        "reference": "pos-4f1c2a9e0b7d3c5a6e8f",
                        "amount": 22140,
                        "currency": "GHS",
                        "status": "success",
                        "paid_at": "2025-01-15T10:00:00.000Z",
                        "channel": "mobile_money",
                    },
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        secret = settings.POS_PAYMENT_WEBHOOK_SECRET
        if not secret:
            logger.error("billing: a payment webhook arrived but POS_PAYMENT_WEBHOOK_SECRET is not set")
            raise WebhookNotConfigured()
        # The signature covers the raw bytes: check it before parsing anything.
        body: bytes = request.body
        if not signature_valid(body=body, signature=request.headers.get(SIGNATURE_HEADER), secret=secret):
            logger.warning("billing: payment webhook with a missing or wrong signature refused")
            raise WebhookSignatureInvalid()
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookPayloadInvalid(gettext_noop("The body is not JSON.")) from exc
        if not isinstance(payload, dict) or payload.get("event") != "charge.success":
            return Response(WebhookAckOutput({"status": "ignored", "invoice": None}).data)
        event = PaystackEventInput(data=payload)
        if not event.is_valid():
            raise WebhookPayloadInvalid(details=event.errors)
        data = event.validated_data["data"]
        if data["status"] != "success":
            return Response(WebhookAckOutput({"status": "ignored", "invoice": None}).data)
        result = payment_apply(
            charge=Charge(
                provider=PAYSTACK,
                event_id=data["id"],
                reference=data["reference"],
                amount_minor=data["amount"],
                currency=data["currency"],
                paid_at=data.get("paid_at") or "",
                channel=data.get("channel") or "",
            ),
            actor=f"system:{PAYSTACK}",
        )
        return Response(WebhookAckOutput({"status": result.outcome, "invoice": result.invoice.number}).data)
