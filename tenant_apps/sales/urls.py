from django.urls import path

from tenant_apps.sales.apis import (
    PaymentMethodDetailApi,
    PaymentMethodsApi,
    SaleDetailApi,
    SaleRefundsApi,
    SalesApi,
    SaleVoidApi,
)

urlpatterns = [
    path("sales", SalesApi.as_view(), name="sale-list"),
    path("sales/<uuid:sale_id>", SaleDetailApi.as_view(), name="sale-detail"),
    path("sales/<uuid:sale_id>/void", SaleVoidApi.as_view(), name="sale-void"),
    path("sales/<uuid:sale_id>/refunds", SaleRefundsApi.as_view(), name="sale-refunds"),
    path("payment-methods", PaymentMethodsApi.as_view(), name="payment-method-list"),
    path(
        "payment-methods/<uuid:payment_method_id>",
        PaymentMethodDetailApi.as_view(),
        name="payment-method-detail",
    ),
]
