"""Receipts under /api/v1/ at a shop's host."""

from django.urls import path

from tenant_apps.receipts.apis import SaleReceiptApi

urlpatterns = [
    path("sales/<uuid:sale_id>/receipt", SaleReceiptApi.as_view(), name="sale-receipt"),
]
