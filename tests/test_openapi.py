"""Every POS endpoint is in the OpenAPI schema, with request examples on the writes."""

from __future__ import annotations

from shared_apps.tenants.models import Tenant
from tests.conftest import api_client

PATHS = [
    "/api/v1/storefronts",
    "/api/v1/storefronts/{storefront_id}",
    "/api/v1/settings",
    "/api/v1/tax-categories",
    "/api/v1/tax-rates",
    "/api/v1/tax-rates/{rate_id}/end",
    "/api/v1/products",
    "/api/v1/products/{product_id}",
    "/api/v1/products/{product_id}/prices",
    "/api/v1/stock/levels",
    "/api/v1/stock/movements",
    "/api/v1/stock/receipts",
    "/api/v1/stock/adjustments",
    "/api/v1/stock/counts",
    "/api/v1/stock/transfers",
    "/api/v1/sales",
    "/api/v1/sales/{sale_id}",
    "/api/v1/sales/{sale_id}/void",
    "/api/v1/sales/{sale_id}/refunds",
    "/api/v1/payment-methods",
    "/api/v1/payment-methods/{payment_method_id}",
    "/api/v1/shifts",
    "/api/v1/shifts/{shift_id}",
    "/api/v1/shifts/{shift_id}/cash-movements",
    "/api/v1/shifts/{shift_id}/close",
    "/api/v1/reports/daily",
    "/api/v1/reports/trend",
    "/api/v1/reports/top-products",
    "/api/v1/reports/low-stock",
    "/api/v1/exports/sales.csv",
    "/api/v1/exports/stock-movements.csv",
]


def test_every_pos_endpoint_is_documented_with_examples(tenant_a: Tenant) -> None:
    schema = api_client("alpha").get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert set(PATHS) <= set(schema["paths"])
    for path in PATHS:
        for method, operation in schema["paths"][path].items():
            assert operation.get("summary"), (method, path)
            assert "bearerAuth" in str(operation.get("security")), (method, path)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in {"post", "patch"} and body and not path.endswith("/end"):
                assert body.get("examples"), (method, path)
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
