"""Billing on the platform host (under /api/v1/): the payment provider's webhook."""

from django.urls import path

from shared_apps.billing.apis import PaystackWebhookApi

urlpatterns = [
    path("billing/webhooks/paystack", PaystackWebhookApi.as_view(), name="billing-webhook-paystack"),
]
