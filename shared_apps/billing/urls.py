"""Billing on a tenant's host (under /api/v1/): read-only."""

from django.urls import path

from shared_apps.billing.apis import InvoiceDetailApi, InvoiceListApi, SubscriptionApi

urlpatterns = [
    path("billing/subscription", SubscriptionApi.as_view(), name="billing-subscription"),
    path("billing/invoices", InvoiceListApi.as_view(), name="billing-invoice-list"),
    path("billing/invoices/<uuid:invoice_id>", InvoiceDetailApi.as_view(), name="billing-invoice-detail"),
]
